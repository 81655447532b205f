using Npgsql;
using NUnit.Framework;
using Testcontainers.PostgreSql;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>
/// Finds the PostgreSQL server for the whole test run: FRAISEEVENTS_TEST_CONNECTION when set,
/// otherwise a Testcontainers server when a Docker engine answers, otherwise a failure that says
/// how to get one.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "FRAISEEVENTS_TEST_CONNECTION";

    private static PostgreSqlContainer? _container;
    private static string? _connectionString;

    public static string ConnectionString => _connectionString
        ?? throw new InvalidOperationException("The PostgreSQL server was not started: PostgresServer.OneTimeSetUp did not run.");

    public static async Task StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _connectionString = configured;
        }
        else
        {
            try
            {
                _container = new PostgreSqlBuilder("postgres:15-alpine").Build();
                await _container.StartAsync();
                _connectionString = _container.GetConnectionString();
            }
            catch (Exception ex)
            {
                Assert.Fail(
                    $"These tests need PostgreSQL 15 or later, and none was found. Either run ./scripts/test.sh, which starts a throwaway "
                    + $"local server; or set {EnvironmentVariable} to a connection string of a server you own "
                    + "(e.g. 'Host=localhost;Username=postgres;Password=postgres'); or start a Docker engine so Testcontainers can run one. "
                    + $"Docker said: {ex.Message}");
            }
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        Assert.That(connection.PostgreSqlVersion.Major, Is.GreaterThanOrEqualTo(15),
            $"FraiseEvents needs PostgreSQL 15 or later; {EnvironmentVariable} points at {connection.PostgreSqlVersion}.");
    }

    public static async Task StopAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
