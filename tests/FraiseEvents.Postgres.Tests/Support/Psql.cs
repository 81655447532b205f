using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>Runs SQL files the way users are told to: with psql, stopping at the first error.</summary>
public static class Psql
{
    public static async Task<(int ExitCode, string Output)> RunFileAsync(string connectionString, string file)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var start = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
                "-U", builder.Username!, "-d", builder.Database!, "-f", file },
        };
        if (builder.Password is { } password)
        {
            start.Environment["PGPASSWORD"] = password;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static string Find()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "psql"))
            .Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")) : []);
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new AssertionException("This test runs SQL files with psql, and no psql was found. Install the PostgreSQL client (apt-get install postgresql-client).");
    }
}
