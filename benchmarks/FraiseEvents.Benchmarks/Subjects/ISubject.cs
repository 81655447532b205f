namespace FraiseEvents.Benchmarks.Subjects;

/// <summary>
/// One library under test, bound to one fresh database. Every scenario is written once against
/// this interface, so each library does exactly the same work.
/// </summary>
internal interface ISubject : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Creates the schema (outside any timing).</summary>
    Task SetUpAsync();

    /// <summary>
    /// Appends events; on a version conflict returns a null version and, when the library reports
    /// it with the conflict, the stream's actual version (sparing a reload).
    /// </summary>
    Task<(long? Version, long? ActualVersion)> AppendOrConflictAsync(Guid streamId, long? expectedVersion, IReadOnlyList<object> events);

    /// <summary>The current version of a stream (after a conflict).</summary>
    Task<long> GetVersionAsync(Guid streamId);

    /// <summary>Loads many new streams through the library's bulk path; false when it has none.</summary>
    Task<bool> BulkImportAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams);

    /// <summary>Reads a whole stream and folds it; returns the number of events.</summary>
    Task<int> RehydrateAsync(Guid streamId);

    /// <summary>Reads and folds many streams in the library's fastest way; returns the number of events.</summary>
    Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds);

    /// <summary>Reads and folds many streams the given way (S5b's rows); returns the number of events.</summary>
    Task<int> RehydrateManyAsync(IReadOnlyList<Guid> streamIds, ManyStreamsRead way);

    /// <summary>
    /// Appends to several streams in one transaction (one call, or one Marten session); false when
    /// an expected version was stale.
    /// </summary>
    Task<bool> AppendToStreamsAsync(IReadOnlyList<(Guid StreamId, long ExpectedVersion, object[] Events)> appends);

    /// <summary>
    /// Creates the streams of S5-snapshot through the library's aggregate path, so that its snapshot
    /// exists: <paramref name="snapshotAt"/> events in one append, then the rest in a second.
    /// </summary>
    Task CreateAggregatesAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, int snapshotAt);

    /// <summary>Loads one aggregate the library's way with its snapshot; returns its version.</summary>
    Task<long> LoadAggregateAsync(Guid streamId);
}

/// <summary>How S5b reads many streams.</summary>
internal enum ManyStreamsRead
{
    /// <summary>One query for all the streams (FraiseEvents' ReadStreamsAsync, Marten's QueryAllRawEvents, raw <c>= ANY</c>).</summary>
    OneQuery,

    /// <summary>Marten's batched query (one statement per stream, one round trip); the others read in one query.</summary>
    MartenBatch,

    /// <summary>Each stream with its own call, one after another.</summary>
    PerStream,
}

internal static class SubjectExtensions
{
    /// <summary>Appends events; <paramref name="expectedVersion"/> null starts a new stream. Returns the new version, or null on a version conflict.</summary>
    public static async Task<long?> AppendAsync(this ISubject subject, Guid streamId, long? expectedVersion, IReadOnlyList<object> events) =>
        (await subject.AppendOrConflictAsync(streamId, expectedVersion, events)).Version;
}
