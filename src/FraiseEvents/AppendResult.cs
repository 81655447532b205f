namespace FraiseEvents;

/// <summary>The outcome of a successful append.</summary>
public sealed record AppendResult
{
    // Internal: only the stores report appends (a test double can take results from the
    // in-memory store), so the shape can grow without breaking anyone.
    internal AppendResult(StreamVersion nextExpectedVersion, IReadOnlyList<GlobalPosition> globalPositions,
        LogPosition logPosition, DateTimeOffset createdAt, bool wasAlreadyAppended)
    {
        NextExpectedVersion = nextExpectedVersion;
        GlobalPositions = globalPositions;
        LogPosition = logPosition;
        CreatedAt = createdAt;
        WasAlreadyAppended = wasAlreadyAppended;
    }

    /// <summary>
    /// The stream's version after the append: pass it as the next expected version. For a retry
    /// (<see cref="WasAlreadyAppended"/>), the stream's version right after the original append,
    /// even when only part of it was resent.
    /// </summary>
    public StreamVersion NextExpectedVersion { get; }

    /// <summary>The global position of each appended event, in order.</summary>
    public IReadOnlyList<GlobalPosition> GlobalPositions { get; }

    /// <summary>The log position of the last appended event.</summary>
    public LogPosition LogPosition { get; }

    /// <summary>The time recorded on the events (the database clock; all events of one append share it).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// True when these events (same ids, same content) were already stored: a retry of an append
    /// that had committed. Nothing was written twice.
    /// </summary>
    public bool WasAlreadyAppended { get; }
}
