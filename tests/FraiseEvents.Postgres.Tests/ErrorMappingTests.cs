using System.Reflection;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class ErrorMappingTests : PostgresFixture
{
    // Every SQLSTATE the store tells apart (PostgresErrorCodes), which includes the FE00x codes
    // documented in migrations/README.md and the 22P05 backstop of docs/reliability-tests.md.
    private static IEnumerable<string> KnownSqlStates() =>
        typeof(PostgresErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true, FieldType.Name: nameof(String) } && f.Name != nameof(PostgresErrorCodes.EventIdConstraint))
            .Select(f => (string)f.GetRawConstantValue()!); // a string constant has a value

    [Test]
    public void The_documented_sqlstates_are_all_known_to_the_store() =>
        Assert.That(KnownSqlStates(), Is.SupersetOf(new[]
        {
            "FE001", "FE002", "FE003", "FE004", "FE005", "FE006", "22P05", "28P01", "28000", "3D000", "42501",
        }));

    [TestCaseSource(nameof(KnownSqlStates))]
    public async Task Every_known_sqlstate_raised_by_the_server_maps_to_a_typed_exception_on_an_append(string sqlState)
    {
        var raised = await RaiseAsync(sqlState);
        var streamId = StreamId.New();

        var mapped = PostgresErrorMapper.MapAppendFailure(raised, "public", streamId, ExpectedVersion.Exactly(1), [Guid.NewGuid()], sent: true);

        Assert.That(mapped, Is.InstanceOf<FraiseEventsException>().Or.InstanceOf<ArgumentException>(), $"SQLSTATE {sqlState}");
    }

    [TestCase("28P01", "Password")]
    [TestCase("28000", "Username")]
    [TestCase("3D000", "Database")]
    [TestCase("42P01", "migrations")]
    [TestCase("42883", "migrations")]
    [TestCase("3F000", "migrations")]
    [TestCase("FE004", "append-only")]
    [TestCase("42501", "fe_grant_application_role")]
    public async Task Sqlstates_any_operation_can_meet_map_to_a_typed_exception_that_says_what_to_check(string sqlState, string remedy)
    {
        var raised = await RaiseAsync(sqlState);

        var mapped = PostgresErrorMapper.MapReadFailure(raised, "public", "reading");

        Assert.That(mapped, Is.InstanceOf<FraiseEventsException>(), $"SQLSTATE {sqlState}");
        Assert.That(mapped!.Message, Does.Contain(remedy).And.Contain(sqlState));
        Assert.That(mapped.InnerException, Is.SameAs(raised));
    }

    [Test]
    public async Task A_missing_database_gives_a_connection_error_that_names_the_setting_to_check()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Database = Database.Name + "_missing" }.ConnectionString;
        await using var store = PostgresEventStore.Create(connectionString, TestEvents.RegisterAll);

        var error = Assert.ThrowsAsync<EventStoreConnectionException>(() =>
            store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1)));
        var migrating = Assert.ThrowsAsync<EventStoreConnectionException>(() => store.Migrations.ApplyAsync());

        Assert.That(error!.Message, Does.Contain("Database in the connection string").And.Contain(Database.Name + "_missing"));
        Assert.That(((PostgresException)error.InnerException!).SqlState, Is.EqualTo("3D000"));
        Assert.That(migrating!.InnerException, Is.InstanceOf<PostgresException>());
    }

    [Test]
    public async Task An_unknown_role_gives_a_connection_error_that_names_the_setting_to_check()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Username = "fe_no_such_role", Password = "x" }
            .ConnectionString;
        await using var store = PostgresEventStore.Create(connectionString, TestEvents.RegisterAll);

        var error = Assert.ThrowsAsync<EventStoreConnectionException>(() => store.InitializeAsync());

        // Under trust authentication the server says the role does not exist (28000); under
        // password authentication it hides that and reports a failed password (28P01).
        Assert.That(((PostgresException)error!.InnerException!).SqlState, Is.AnyOf("28000", "28P01"));
        Assert.That(error.Message, Does.Contain("Username"));
    }

    /// <summary>The real server's error for <paramref name="sqlState"/>, as Npgsql surfaces it.</summary>
    private async Task<PostgresException> RaiseAsync(string sqlState)
    {
        try
        {
            await Database.ExecuteAsync($"DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '{sqlState}'; END $$");
        }
        catch (PostgresException ex)
        {
            return ex;
        }

        throw new AssertionException($"RAISE with SQLSTATE {sqlState} did not fail");
    }
}
