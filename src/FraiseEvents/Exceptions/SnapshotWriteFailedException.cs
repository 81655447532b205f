namespace FraiseEvents;

/// <summary>
/// A save committed its events, but the snapshot written after the commit
/// (<see cref="Snapshots.SnapshotMode.AfterCommit"/>) failed. The events are stored and the
/// aggregate is up to date: do not retry the command. Loads rebuild from events until the next
/// snapshot is written.
/// </summary>
public sealed class SnapshotWriteFailedException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public SnapshotWriteFailedException(StreamId streamId, AppendResult appendResult, Exception innerException)
        : base($"The events of stream {streamId} were committed (version {appendResult?.NextExpectedVersion}), but writing its snapshot afterwards failed: "
            + $"{innerException?.Message} Do not retry the command; the snapshot is only a cache and the next one will be written at the next threshold.",
            innerException)
    {
        ArgumentNullException.ThrowIfNull(appendResult);
        StreamId = streamId;
        AppendResult = appendResult;
    }

    /// <summary>The stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>The committed append.</summary>
    public AppendResult AppendResult { get; }
}
