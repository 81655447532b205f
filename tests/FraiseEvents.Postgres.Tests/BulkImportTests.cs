using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class BulkImportTests : PostgresFixture
{
    private static BulkImportStream NewStream(int events, string? type = null) =>
        new(StreamId.New(), TestEvents.Batch(events), type);

    [Test]
    public async Task Bulk_import_writes_every_stream_with_dense_versions_and_one_instant()
    {
        var store = await NewStoreAsync();
        var streams = new[] { NewStream(3, "user"), NewStream(1), NewStream(50) };

        var result = await store.BulkImportAsync(streams);

        Assert.That(result.Streams, Is.EqualTo(3));
        Assert.That(result.Events, Is.EqualTo(54));
        foreach (var stream in streams)
        {
            var read = await store.ReadStreamAsync(stream.StreamId).ToListAsync();
            Assert.That(read.Select(e => e.EventId), Is.EqualTo(stream.Events.Select(e => e.EventId)));
            Assert.That(read.Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, stream.Events.Count).Select(v => (long)v)));
            Assert.That(read.Select(e => e.CreatedAt), Is.All.EqualTo(result.CreatedAt));
            var state = await store.GetStreamStateAsync(stream.StreamId);
            Assert.That(state!.Version.Value, Is.EqualTo(stream.Events.Count));
            Assert.That(state.StreamType, Is.EqualTo(stream.StreamType));
            Assert.That(state.CreatedAt, Is.EqualTo(result.CreatedAt));
        }
    }

    [Test]
    public async Task Appends_after_a_bulk_import_continue_the_imported_streams()
    {
        var store = await NewStoreAsync();
        var stream = NewStream(4);
        await store.BulkImportAsync([stream]);

        var appended = await store.AppendAsync(stream.StreamId, ExpectedVersion.Exactly(4), TestEvents.Batch(1));

        Assert.That(appended.NextExpectedVersion.Value, Is.EqualTo(5));
        Assert.That(appended.CreatedAt, Is.GreaterThanOrEqualTo((await store.ReadStreamAsync(stream.StreamId).ToListAsync())[3].CreatedAt));
    }

    [Test]
    [NonParallelizable] // the global log only shows transactions older than every running one
    public async Task Global_log_consumers_see_a_bulk_import_as_one_transaction_in_order()
    {
        var store = await NewStoreAsync();
        var before = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        var streams = new[] { NewStream(2), NewStream(3) };
        await store.BulkImportAsync(streams);

        var log = await store.ReadAllAsync(before.LogPosition).ToListAsync();

        Assert.That(log.Select(e => e.EventId), Is.EqualTo(streams.SelectMany(s => s.Events).Select(e => e.EventId)));
        Assert.That(log.Select(e => e.LogPosition.TransactionId).Distinct().Count(), Is.EqualTo(1));
        Assert.That(log[0].LogPosition, Is.GreaterThan(before.LogPosition));
    }

    [Test]
    public async Task Bulk_import_of_an_existing_stream_fails_and_writes_nothing()
    {
        var store = await NewStoreAsync();
        var existing = StreamId.New();
        await store.AppendAsync(existing, ExpectedVersion.NoStream, TestEvents.Batch(2));
        var fresh = NewStream(2);

        var ex = Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.BulkImportAsync([fresh, new BulkImportStream(existing, TestEvents.Batch(1))]));

        Assert.That(ex!.StreamId, Is.EqualTo(existing));
        Assert.That(ex.ActualVersion?.Value, Is.EqualTo(2));
        Assert.That(await store.GetStreamStateAsync(fresh.StreamId), Is.Null);
    }

    [Test]
    public async Task Bulk_import_rejects_bad_input_before_writing_anything()
    {
        var store = await NewStoreAsync();
        var good = NewStream(2);

        Assert.ThrowsAsync<ArgumentException>(() => store.BulkImportAsync([]));
        Assert.ThrowsAsync<ArgumentException>(() => store.BulkImportAsync([good, good]));
        Assert.ThrowsAsync<ArgumentException>(() => store.BulkImportAsync([good, new BulkImportStream(StreamId.New(), [])]));
        Assert.ThrowsAsync<UnknownEventTypeException>(() =>
            store.BulkImportAsync([good, new BulkImportStream(StreamId.New(), [new NewEvent(new NotRegistered("x"))])]));
        var nulType = Assert.ThrowsAsync<ArgumentException>(() =>
            store.BulkImportAsync([good, new BulkImportStream(StreamId.New(), [new NewEvent(TestEvents.Created())], "Order\0")]));
        Assert.That(nulType!.Message, Does.Contain("U+0000"));

        Assert.That(await store.GetStreamStateAsync(good.StreamId), Is.Null);
    }

    [Test]
    public async Task Reading_many_streams_returns_each_stream_in_order_and_skips_missing_ones()
    {
        var store = await NewStoreAsync();
        var streams = new[] { NewStream(3), NewStream(1), NewStream(5) };
        await store.BulkImportAsync(streams);
        await store.AppendAsync(streams[1].StreamId, ExpectedVersion.Exactly(1), TestEvents.Batch(2));

        var read = await store.ReadStreamsAsync([streams[0].StreamId, streams[1].StreamId, streams[2].StreamId, StreamId.New()]).ToListAsync();

        Assert.That(read, Has.Count.EqualTo(11));
        foreach (var group in read.GroupBy(e => e.StreamId))
        {
            Assert.That(group.Select(e => e.Version.Value), Is.EqualTo(Enumerable.Range(1, group.Count()).Select(v => (long)v)));
        }

        Assert.That(read.Select(e => e.StreamId).Distinct().Count(), Is.EqualTo(3), "each stream's events are contiguous");
        Assert.That(read.Zip(read.Skip(1)).Count(p => p.First.StreamId != p.Second.StreamId), Is.EqualTo(2));
        Assert.That(await store.ReadStreamsAsync([]).ToListAsync(), Is.Empty);
    }
}
