// Copied into the throwaway console project by scripts/package-test.sh, beside the README's quick
// start: it gives the quick start a new, empty database on the test server, as a new user's server
// would be, and drops it when the program ends.
using Npgsql;

internal static class QuickStartDatabase
{
    public static string ConnectionString { get; } = Create();

    private static string Create()
    {
        var server = Environment.GetEnvironmentVariable("FRAISEEVENTS_TEST_CONNECTION")
            ?? throw new InvalidOperationException("Set FRAISEEVENTS_TEST_CONNECTION to an Npgsql connection string.");
        var name = $"fe_package_test_{Environment.ProcessId}";
        Execute(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        Execute(server, $"CREATE DATABASE {name}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                NpgsqlConnection.ClearAllPools();
                Execute(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            }
            catch (NpgsqlException e)
            {
                Console.Error.WriteLine($"Could not drop the quick start's database {name}: {e.Message}");
            }
        };
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
