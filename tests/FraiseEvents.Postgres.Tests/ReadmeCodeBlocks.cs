using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Every C# block in README.md and docs/*.md compiles against the libraries as they are. The project
/// copies README.md and every page of docs/ (by wildcard) next to the tests, so a new page is
/// compiled without touching this class.
/// </summary>
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

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpBlock();

    // Any fence whose language looks like C#: a misspelt tag (```cs, ```c#, ```CSharp) would otherwise
    // escape compilation silently. Fragments that cannot compile on their own say so with ```csharp-fragment.
    [GeneratedRegex(@"^```(?<tag>[^\s`]*)", RegexOptions.Multiline)]
    private static partial Regex Fence();

    private static readonly string[] AllowedCSharpTags = ["csharp", "csharp-fragment"];

    private static string TestDirectory => TestContext.CurrentContext.TestDirectory;

    /// <summary>README.md, then docs/*.md in name order, as paths relative to the test directory.</summary>
    private static List<string> Pages()
    {
        var pages = new List<string> { "README.md" };
        var docs = Path.Combine(TestDirectory, "docs");
        if (Directory.Exists(docs))
        {
            pages.AddRange(Directory.GetFiles(docs, "*.md").Select(p => Path.GetRelativePath(TestDirectory, p).Replace('\\', '/')).Order(StringComparer.Ordinal));
        }

        return pages;
    }

    private static IEnumerable<TestCaseData> Blocks()
    {
        foreach (var page in Pages())
        {
            var text = File.ReadAllText(Path.Combine(TestDirectory, page));
            var blocks = CSharpBlock().Matches(text).Select(m => m.Groups["code"].Value).ToList();
            for (var i = 0; i < blocks.Count; i++)
            {
                yield return new TestCaseData(page, blocks[i]).SetArgDisplayNames($"{page} block {i + 1}");
            }
        }
    }

    [Test]
    public void The_README_and_the_docs_pages_are_copied_next_to_the_tests()
    {
        var pages = Pages();
        Assert.That(pages, Does.Contain("README.md"));
        Assert.That(pages.Count(p => p.StartsWith("docs/", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2),
            "docs/*.md must be copied to the test output (see FraiseEvents.Postgres.Tests.csproj)");
        Assert.That(Blocks().Count(b => (string)b.Arguments[0]! == "README.md"), Is.GreaterThan(0),
            "README.md must show C# code in ```csharp blocks");
    }

    [Test]
    public void Every_csharp_looking_fence_is_compiled_or_marked_as_a_fragment()
    {
        var misspelt = (
            from page in Pages()
            from Match fence in Fence().Matches(File.ReadAllText(Path.Combine(TestDirectory, page)))
            let tag = fence.Groups["tag"].Value
            where tag.Length > 0 && !AllowedCSharpTags.Contains(tag)
                && (tag.Equals("cs", StringComparison.OrdinalIgnoreCase) || tag.Contains('#', StringComparison.Ordinal)
                    || tag.StartsWith("csharp", StringComparison.OrdinalIgnoreCase) || tag.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            select $"{page}: ```{tag}").ToList();

        Assert.That(misspelt, Is.Empty, "Use ```csharp (compiled) or ```csharp-fragment (not compiled) for C#");
    }

    [TestCaseSource(nameof(Blocks))]
    public void The_block_compiles(string page, string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!) // always set by the .NET host
            .Split(Path.PathSeparator)
            .Concat([typeof(IEventStore).Assembly.Location, typeof(PostgresEventStore).Assembly.Location])
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "DocumentationBlock",
            [CSharpSyntaxTree.ParseText(ImplicitUsings), CSharpSyntaxTree.ParseText(code)],
            references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();

        Assert.That(errors, Is.Empty, $"A C# block of {page} does not compile:\n{code}");
    }
}
