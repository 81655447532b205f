using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using Npgsql;
using NUnit.Framework;
using static FraiseEvents.Conformance.Projections.ProjectionSpreadContract;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// Spreading async projections across processes: daemons over separate data sources (as separate
/// processes would be) share them evenly, and when one daemon's sessions are terminated and it cannot
/// connect again (its process is as good as dead) the others take its projections over. These tests
/// terminate backends, so they run alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ProjectionSpreadTests : PostgresFixture
{
    [Test]
    public async Task Three_daemons_over_separate_data_sources_each_run_two_of_six_and_the_others_take_over_when_one_dies()
    {
        var schema = NewSchemaName();
        var store = await NewStoreAsync(AddSixProjections, schema);
        await using var otherSource = NpgsqlDataSource.Create(Database.ConnectionString);
        await using var otherStore = new PostgresEventStore(otherSource, TestEvents.Options(AddSixProjections), new PostgresEventStoreOptions { Schema = schema });
        // The victim's connections are told apart by their application name; once it is "dead" it cannot connect again.
        var victimName = "spread_victim_" + schema;
        var dead = false;
        var victimBuilder = new NpgsqlDataSourceBuilder(Database.ConnectionString);
        victimBuilder.ConnectionStringBuilder.ApplicationName = victimName;
        victimBuilder.UsePhysicalConnectionInitializer(
            _ => { if (Volatile.Read(ref dead)) throw new InvalidOperationException("this process is dead"); },
            _ => Volatile.Read(ref dead) ? Task.FromException(new InvalidOperationException("this process is dead")) : Task.CompletedTask);
        await using var victimSource = victimBuilder.Build();
        await using var victimStore = new PostgresEventStore(victimSource, TestEvents.Options(AddSixProjections), new PostgresEventStoreOptions { Schema = schema });

        await using var a = new ProjectionDaemon(store, Fast());
        await using var b = new ProjectionDaemon(otherStore, Fast());
        await using var victim = new ProjectionDaemon(victimStore, Fast());
        var expected = new Dictionary<StreamId, int>();
        await victim.StartAsync();
        await AppendUsersAsync(store, expected, 5, seed: 11);
        await a.StartAsync();
        await b.StartAsync();
        var last = await AppendUsersAsync(store, expected, 5, seed: 12);
        await WaitUntilAsync(() => Running(a) == 2 && Running(b) == 2 && Running(victim) == 2, () => "two projections each: " + Describe(a, b, victim));
        await AssertExactAsync(store, a, last, expected);

        Volatile.Write(ref dead, true);
        await Database.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{victimName}'");
        await WaitUntilAsync(() => Running(a) == 3 && Running(b) == 3 && Running(victim) == 0,
            () => "the two live daemons to run three projections each: " + Describe(a, b, victim));

        last = await AppendUsersAsync(store, expected, 5, seed: 13);
        await AssertExactAsync(store, a, last, expected);
        Assert.That(a.Statuses.Concat(b.Statuses).Select(s => s.Fault), Is.All.Null);
        Assert.That(await Database.ScalarAsync<int>($"SELECT \"{schema}\".fe_count_projection_daemons()"), Is.EqualTo(2), "the dead daemon's member slot went with its session");
    }
}
