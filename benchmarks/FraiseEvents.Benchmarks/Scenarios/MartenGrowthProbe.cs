using FraiseEvents.Benchmarks.Subjects;
using Marten;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>Marten's side of the growth scenario, through its own APIs (bulk insert, FetchStream with a timestamp, QueryAllRawEvents).</summary>
internal sealed class MartenGrowthProbe(MartenSubject subject) : GrowthProbe(subject.ConnectionString)
{
    protected override (string Events, string Streams) Tables => ("bench.mt_events", "bench.mt_streams");

    public override async Task LoadAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, Guid[] authors) =>
        await subject.BulkImportAsync(streams);

    public override async Task<int> ReadAsOfAsync(Guid streamId, DateTimeOffset asOf)
    {
        await using var session = subject.Store.QuerySession();
        var state = new UserState();
        foreach (var e in await session.Events.FetchStreamAsync(streamId, timestamp: asOf))
        {
            state.Apply(e.Data);
        }

        return state.Events;
    }

    public override async Task<IReadOnlyList<(long, long)>> LogCursorsAsync(IReadOnlyList<Guid> streamIds)
    {
        await using var session = subject.Store.QuerySession();
        var cursors = new List<(long, long)>(streamIds.Count);
        foreach (var id in streamIds)
        {
            var events = await session.Events.FetchStreamAsync(id);
            cursors.Add((events[0].Sequence, 0));
        }

        return cursors;
    }

    public override async Task<int> ReadLogPageAsync((long, long) cursor, int count)
    {
        await using var session = subject.Store.QuerySession();
        var after = cursor.Item1;
        var page = await session.Events.QueryAllRawEvents().Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(count).ToListAsync();
        return page.Count;
    }
}
