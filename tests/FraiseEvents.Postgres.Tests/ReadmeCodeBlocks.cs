using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>Every C# block in README.md compiles against the libraries as they are.</summary>
[TestFixture]
public sealed partial class ReadmeCodeBlocks
{
    // What a new console project's ImplicitUsings gives the reader's code.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [GeneratedRegex(@"```csharp\r?\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static IEnumerable<TestCaseData> Blocks()
    {
        var readme = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "README.md"));
        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups["code"].Value).ToList();
        if (blocks.Count == 0)
        {
            yield return new TestCaseData("").SetArgDisplayNames("no csharp blocks found");
        }

        for (var i = 0; i < blocks.Count; i++)
        {
            yield return new TestCaseData(blocks[i]).SetArgDisplayNames($"block {i + 1}");
        }
    }

    [TestCaseSource(nameof(Blocks))]
    public void The_README_block_compiles(string code)
    {
        Assert.That(code, Is.Not.Empty, "README.md must show C# code in ```csharp blocks");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Concat([typeof(IEventStore).Assembly.Location, typeof(PostgresEventStore).Assembly.Location])
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "ReadmeBlock",
            [CSharpSyntaxTree.ParseText(ImplicitUsings), CSharpSyntaxTree.ParseText(code)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();

        Assert.That(errors, Is.Empty, "README code does not compile:\n" + code);
    }
}
