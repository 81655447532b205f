namespace FraiseEvents.Projections;

/// <summary>
/// An event an async projection set aside under its <see cref="ProjectionFailurePolicy"/>: dead-lettered
/// after failing, or parked (it failed, or waits behind the failed event of its key). Listed by
/// <see cref="ProjectionDaemon.GetDeadLettersAsync"/>.
/// </summary>
public sealed class ProjectionDeadLetter
{
    internal ProjectionDeadLetter(string projectionName, Guid eventId, StreamId streamId, LogPosition position, string eventType,
        string errorType, string errorMessage, int attempts, string? parkedKey, DateTimeOffset recordedAt)
    {
        ProjectionName = projectionName;
        EventId = eventId;
        StreamId = streamId;
        Position = position;
        EventType = eventType;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        Attempts = attempts;
        ParkedKey = parkedKey;
        RecordedAt = recordedAt;
    }

    /// <summary>The projection's name.</summary>
    public string ProjectionName { get; }

    /// <summary>The event's id.</summary>
    public Guid EventId { get; }

    /// <summary>The event's stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>The event's place in the global log; replays go in this order.</summary>
    public LogPosition Position { get; }

    /// <summary>The event's stored type name.</summary>
    public string EventType { get; }

    /// <summary>
    /// The full name of the error's type; for an event that waits behind a parked one,
    /// <c>"Parked"</c>.
    /// </summary>
    public string ErrorType { get; }

    /// <summary>The error's message; for a waiting event, which event it waits behind.</summary>
    public string ErrorMessage { get; }

    /// <summary>How many times it was tried (1 + retries); 0 for an event that waits behind a parked one.</summary>
    public int Attempts { get; }

    /// <summary>The parked key it belongs to; null for a dead letter.</summary>
    public string? ParkedKey { get; }

    /// <summary>When it was recorded (the database's clock, or the in-memory store's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset RecordedAt { get; }

    /// <summary>Whether it is parked (under <see cref="ProjectionFailurePolicy.ParkKey"/>) rather than dead-lettered.</summary>
    public bool IsParked => ParkedKey is not null;

    /// <inheritdoc />
    public override string ToString() =>
        $"{ProjectionName}: event {EventId} ({EventType} of stream {StreamId}, log position {Position})"
        + (ParkedKey is null ? " dead-lettered" : $" parked under key '{ParkedKey}'") + $": {ErrorType}: {ErrorMessage}";
}
