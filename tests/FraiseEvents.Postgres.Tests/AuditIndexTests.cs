using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class AuditIndexTests : PostgresFixture
{
    [Test]
    public async Task Everything_an_author_did_in_a_time_range_is_read_from_the_created_by_index_without_a_sort()
    {
        var store = await NewStoreAsync();
        var authors = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        for (var i = 0; i < 200; i++)
        {
            var streamId = StreamId.New();
            await store.AppendAsync(streamId, ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created(i))],
                new AppendOptions { Metadata = new EventMetadata { CreatedBy = authors[i % authors.Length] } });
        }

        await Database.ExecuteAsync($"ANALYZE \"{store.Schema}\".tb_events");
        // The body of audit_trail_by_author with its bounds filled in. On a table this small the planner
        // would rather sort a few rows, so the cheaper-looking scans are discouraged: what is checked
        // is that the index can serve the filter and the newest-first order by itself.
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new Npgsql.NpgsqlCommand(
            $"""
            EXPLAIN SELECT * FROM "{store.Schema}".tb_events e
            WHERE e.created_by = '{authors[3]}'
              AND (e.created_at, e.global_position) < ('infinity'::timestamptz, 9223372036854775807)
              AND e.created_at >= now() - interval '1 day' AND e.created_at <= 'infinity'
            ORDER BY e.created_at DESC, e.global_position DESC LIMIT 50
            """, connection);
        var lines = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        var plan = string.Join('\n', lines);
        TestContext.Out.WriteLine(plan);
        Assert.That(plan, Does.Contain("Index Scan Backward using idx_events_created_by"));
        Assert.That(plan, Does.Match("Index Cond: .*created_by = .*created_at >="));
        Assert.That(plan, Does.Not.Contain("Sort"));
    }
}
