using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class CheckpointAndPollPlanTests : PostgresFixture
{
    [Test]
    public async Task Advancing_a_checkpoint_is_a_compare_and_set_that_fences_a_stale_consumer()
    {
        var store = await NewStoreAsync();
        var advance = $"SELECT {store.Schema}.advance_checkpoint('projection', $1, $2, $3, $4)";

        var first = await Scalar(advance, 0L, 0L, 10L, 100L);
        var stale = await Scalar(advance, 0L, 0L, 11L, 120L);
        var next = await Scalar(advance, 10L, 100L, 12L, 130L);
        var stored = await Database.ScalarAsync<long>($"SELECT global_position FROM {store.Schema}.tb_checkpoints WHERE consumer_name = 'projection'");

        Assert.That(first, Is.True);
        Assert.That(stale, Is.False, "a consumer that read an old checkpoint must not overwrite a newer one");
        Assert.That(next, Is.True);
        Assert.That(stored, Is.EqualTo(130));
    }

    [Test]
    public async Task The_consumer_poll_reads_200k_events_through_its_index_without_sorting()
    {
        var store = await NewStoreAsync();
        await Database.ExecuteAsync(
            $$"""
            INSERT INTO {{store.Schema}}.tb_events (id, stream_id, event_type, event_version, event_data, tx_id)
            SELECT gen_random_uuid(), gen_random_uuid(), 'USER_CREATED', 1, '{}'::jsonb, 1000 + i / 10
            FROM generate_series(1, 200000) AS i;
            ANALYZE {{store.Schema}}.tb_events;
            """);
        var poll = new SqlStatements(store.Schema).ReadAll;

        await using var command = Database.DataSource.CreateCommand($"EXPLAIN {poll}");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 5000 });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = 0 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 500 });
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        var text = string.Join(Environment.NewLine, plan);
        Assert.That(text, Does.Contain("idx_events_tx_position"), text);
        Assert.That(text, Does.Not.Contain("Sort"), text);
        Assert.That(text, Does.Not.Contain("Seq Scan"), text);
    }

    private async Task<bool> Scalar(string sql, params long[] values)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
        }

        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
