using System.Globalization;
using System.Reflection;

namespace FraiseEvents.Postgres;

/// <summary>The migration files embedded in this assembly, in version order.</summary>
internal static class MigrationScripts
{
    private const string Prefix = "FraiseEvents.Migrations.";

    public static IReadOnlyList<Migration> All { get; } = Load();

    public static int LatestVersion => All[^1].Version;

    private static Migration[] Load()
    {
        var assembly = typeof(MigrationScripts).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[Prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
            migrations.Add(new Migration(version, name) { Sql = Read(assembly, resource) });
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Count == 0)
        {
            throw new InvalidOperationException("FraiseEvents.Postgres was built without its migration scripts.");
        }

        return [.. migrations];
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Missing embedded migration {resource}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
