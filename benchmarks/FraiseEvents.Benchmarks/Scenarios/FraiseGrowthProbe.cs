using FraiseEvents.Auditing;
using FraiseEvents.Benchmarks.Subjects;
using FraiseEvents.Postgres;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>FraiseEvents' side of the growth scenario: every loaded event has an author (one of a thousand).</summary>
internal sealed class FraiseGrowthProbe(FraiseSubject subject) : GrowthProbe(subject.ConnectionString)
{
    protected override (string Events, string Streams) Tables => ("bench.tb_events", "bench.tb_streams");

    /// <summary>
    /// Set to 1 to measure the indexes tb_events had before migration 0013 (the unique
    /// (stream_id, id), global_position, event_type and the author index), for comparison.
    /// </summary>
    public const string OldIndexesVariable = "FRAISEEVENTS_GROWTH_OLD_INDEXES";

    public override bool AuditsByAuthor => true;

    public override Task PrepareAsync() => Environment.GetEnvironmentVariable(OldIndexesVariable) != "1" ? Task.CompletedTask : ExecuteAsync(
        """
        ALTER TABLE bench.tb_events ADD CONSTRAINT uq_tb_events_stream_event_id UNIQUE (stream_id, id);
        CREATE INDEX idx_events_global_position ON bench.tb_events (global_position);
        CREATE INDEX idx_events_type ON bench.tb_events (event_type);
        CREATE INDEX idx_events_created_by ON bench.tb_events (created_by, created_at, global_position) WHERE created_by IS NOT NULL;
        """);

    public override async Task LoadAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, Guid[] authors)
    {
        var import = new BulkImportStream[streams.Count];
        for (var i = 0; i < import.Length; i++)
        {
            var (id, events) = streams[i];
            var stream = i;
            import[i] = new BulkImportStream(new StreamId(id),
                [.. events.Select((e, j) => new NewEvent(e) { Metadata = new EventMetadata { CreatedBy = authors[((stream * 31) + j) % authors.Length] } })]);
        }

        await subject.Store.BulkImportAsync(import);
    }

    public override async Task<int> ReadAsOfAsync(Guid streamId, DateTimeOffset asOf)
    {
        var state = new UserState();
        await foreach (var e in subject.Store.ReadStreamAsOfAsync(new StreamId(streamId), asOf))
        {
            state.Apply(e.Data);
        }

        return state.Events;
    }

    public override async Task<IReadOnlyList<(long, long)>> LogCursorsAsync(IReadOnlyList<Guid> streamIds)
    {
        var cursors = new List<(long, long)>(streamIds.Count);
        foreach (var id in streamIds)
        {
            await foreach (var e in subject.Store.ReadStreamAsync(new StreamId(id)))
            {
                cursors.Add((e.LogPosition.TransactionId, e.LogPosition.GlobalPosition));
                break;
            }
        }

        return cursors;
    }

    public override async Task<int> ReadLogPageAsync((long, long) cursor, int count)
    {
        var read = 0;
        await foreach (var e in subject.Store.ReadAllAsync(new LogPosition(cursor.Item1, cursor.Item2), count))
        {
            read++;
        }

        return read;
    }

    public override async Task<int> AuditByAuthorAsync(Guid author) =>
        (await subject.Store.ReadAuditTrailAsync(AuditQuery.ByAuthor(author))).Events.Count;

    public override Task IndexByAuthorAsync(bool present) =>
        ExecuteAsync(present ? "SELECT bench.fe_index_events_by_author()" : "DROP INDEX bench.idx_events_by_author");
}
