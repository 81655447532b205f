namespace FraiseEvents.Projections;

/// <summary>
/// Why an async projection stopped as <see cref="ProjectionState.Faulted"/>: the event it kept failing
/// on (when one did), how many times it was tried, and the error. Its checkpoint is before that event.
/// </summary>
public sealed class ProjectionFault
{
    internal ProjectionFault(string projection, RecordedEvent? failedEvent, int attempts, Exception error)
    {
        ProjectionName = projection;
        EventId = failedEvent?.EventId;
        StreamId = failedEvent?.StreamId;
        Position = failedEvent?.LogPosition;
        EventType = failedEvent?.EventType;
        Attempts = attempts;
        Error = error;
        Message = failedEvent is null
            ? $"Projection '{projection}' stopped after {attempts} attempt(s): {error.GetType().Name}: {error.Message}"
            : $"Projection '{projection}' stopped: it failed {attempts} time(s) on event {failedEvent.EventId} "
              + $"({failedEvent.EventType} #{failedEvent.Version.Value} of stream {failedEvent.StreamId}, log position {failedEvent.LogPosition}): "
              + $"{error.GetType().Name}: {error.Message} Fix it, then call ResumeAsync(\"{projection}\") to continue from that event.";
    }

    /// <summary>The projection's name.</summary>
    public string ProjectionName { get; }

    /// <summary>The id of the event it failed on; null when the failure was not an event's (a read, or the database).</summary>
    public Guid? EventId { get; }

    /// <summary>The stream of that event; null when no event was being applied.</summary>
    public StreamId? StreamId { get; }

    /// <summary>The log position of that event; null when no event was being applied.</summary>
    public LogPosition? Position { get; }

    /// <summary>The type name of that event (<see cref="RecordedEvent.EventType"/>); null when no event was being applied.</summary>
    public string? EventType { get; }

    /// <summary>How many times it was tried (1 + retries).</summary>
    public int Attempts { get; }

    /// <summary>The last error: the projection's own exception, or why the stored event could not be read.</summary>
    public Exception Error { get; }

    /// <summary>A sentence naming the projection, the event (id, type, stream, position) and the error.</summary>
    public string Message { get; }

    /// <inheritdoc />
    public override string ToString() => Message;
}
