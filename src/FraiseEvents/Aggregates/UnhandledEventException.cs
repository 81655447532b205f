namespace FraiseEvents.Aggregates;

/// <summary>An aggregate that rejects unknown events met one it has no apply method for.</summary>
public sealed class UnhandledEventException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public UnhandledEventException(Type aggregateType, Type eventType, StreamId streamId, StreamVersion? version)
        : base($"{aggregateType?.Name} has no Apply({eventType?.Name}) method for "
            + (version is { } v ? $"event {v} of stream {streamId}" : $"an event raised on stream {streamId}")
            + ". Add an Apply method for it, or let the aggregate ignore unknown events (UnknownEventPolicy.Ignore).")
    {
        ArgumentNullException.ThrowIfNull(aggregateType);
        ArgumentNullException.ThrowIfNull(eventType);
        AggregateType = aggregateType;
        EventType = eventType;
        StreamId = streamId;
        Version = version;
    }

    /// <summary>The aggregate's type.</summary>
    public Type AggregateType { get; }

    /// <summary>The event's type.</summary>
    public Type EventType { get; }

    /// <summary>The aggregate's stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>The event's version when it was a stored event; null when it was being raised.</summary>
    public StreamVersion? Version { get; }
}
