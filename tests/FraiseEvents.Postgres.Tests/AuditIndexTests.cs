using FraiseEvents.Auditing;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The author index is opt-in (PostgresEventStoreOptions.IndexEventsByAuthor): with it, an audit by
/// author reads only the author's entries in order; without it, the same rows come from reading the
/// whole log (the contract suite checks those rows with the default options).
/// </summary>
[TestFixture]
public sealed class AuditIndexTests : PostgresFixture
{
    [Test]
    public async Task With_IndexEventsByAuthor_everything_an_author_did_in_a_time_range_is_read_from_the_author_index_without_a_sort()
    {
        var store = await NewStoreAsync(configurePostgres: o => o.IndexEventsByAuthor = true);
        var authors = await AppendByTwentyAuthorsAsync(store);

        var plan = await ExplainByAuthorAsync(store.Schema, authors[3]);

        Assert.That(plan, Does.Contain("Index Scan Backward using idx_events_by_author"));
        Assert.That(plan, Does.Match("Index Cond: .*created_by = .*created_at >="));
        Assert.That(plan, Does.Not.Contain("Sort"));
    }

    [Test]
    public async Task By_default_the_log_has_no_author_index_and_an_audit_by_author_still_returns_the_authors_events_newest_first()
    {
        var store = await NewStoreAsync();
        var authors = await AppendByTwentyAuthorsAsync(store);

        var page = await store.ReadAuditTrailAsync(AuditQuery.ByAuthor(authors[3]) with { Limit = 100 });
        var indexesOnAuthor = await Database.ScalarAsync<long>(
            $"""
            SELECT count(*) FROM pg_index x
            WHERE x.indrelid = '{store.Schema}.tb_events'::regclass
              AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) AND a.attname = 'created_by')
            """);

        Assert.That(indexesOnAuthor, Is.Zero, "no index pays for created_by unless asked for");
        Assert.That(page.Events, Has.Count.EqualTo(10));
        Assert.That(page.Events.Select(e => e.Metadata.CreatedBy), Is.All.EqualTo(authors[3]));
        Assert.That(page.Events.Select(e => (e.CreatedAt, e.GlobalPosition.Value)), Is.Ordered.Descending);
        Assert.That(await ExplainByAuthorAsync(store.Schema, authors[3]), Does.Not.Contain("idx_events_by_author"));
    }

    [Test]
    public async Task Starting_again_with_IndexEventsByAuthor_finds_the_index_it_created_and_creates_no_other()
    {
        var schema = NewSchemaName();
        await NewStoreAsync(schema: schema, configurePostgres: o => o.IndexEventsByAuthor = true);
        await NewStoreAsync(schema: schema, configurePostgres: o => o.IndexEventsByAuthor = true);

        var created = await Database.ScalarAsync<bool>($"SELECT \"{schema}\".fe_index_events_by_author()");
        var indexes = await Database.ScalarAsync<long>(
            $"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'tb_events' AND indexdef LIKE '%created_by%'");

        Assert.That(created, Is.False, "the index already exists");
        Assert.That(indexes, Is.EqualTo(1));
    }

    private static async Task<Guid[]> AppendByTwentyAuthorsAsync(PostgresEventStore store)
    {
        var authors = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        for (var i = 0; i < 200; i++)
        {
            await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created(i))],
                new AppendOptions { Metadata = new EventMetadata { CreatedBy = authors[i % authors.Length] } });
        }

        return authors;
    }

    /// <summary>
    /// The plan of audit_trail_by_author's body with its bounds filled in. On a table this small the
    /// planner would rather sort a few rows, so the cheaper-looking scans are discouraged: what is
    /// checked is whether an index can serve the filter and the newest-first order by itself.
    /// </summary>
    private async Task<string> ExplainByAuthorAsync(string schema, Guid author)
    {
        await Database.ExecuteAsync($"ANALYZE \"{schema}\".tb_events");
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using (var off = new Npgsql.NpgsqlCommand("SET enable_seqscan = off; SET enable_bitmapscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        await using var explain = new Npgsql.NpgsqlCommand(
            $"""
            EXPLAIN SELECT * FROM "{schema}".tb_events e
            WHERE e.created_by = '{author}'
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
        return plan;
    }
}
