namespace FraiseEvents.Subscriptions;

/// <summary>
/// Why a subscription stopped as <see cref="SubscriptionState.Faulted"/>: the event its handler
/// kept failing on (when a handler failed), and the error. The stored checkpoint is before that
/// event, so a restart after the fix delivers it again.
/// </summary>
public sealed class SubscriptionFault
{
    internal SubscriptionFault(string subscription, RecordedEvent? failedEvent, int attempts, Exception error)
    {
        EventId = failedEvent?.EventId;
        StreamId = failedEvent?.StreamId;
        Position = failedEvent?.LogPosition;
        EventType = failedEvent?.EventType;
        Attempts = attempts;
        Error = error;
        Message = failedEvent is null
            ? $"Subscription '{subscription}' stopped after {attempts} attempt(s): {error.GetType().Name}: {error.Message}"
            : $"Subscription '{subscription}' stopped: its handler failed {attempts} time(s) on event {failedEvent.EventId} "
              + $"({failedEvent.EventType} #{failedEvent.Version.Value} of stream {failedEvent.StreamId}, log position {failedEvent.LogPosition}): "
              + $"{error.GetType().Name}: {error.Message}";
    }

    /// <summary>The id of the event the handler failed on; null when the failure was not the handler's (a read or a checkpoint write).</summary>
    public Guid? EventId { get; }

    /// <summary>The stream of that event; null when no event was being handled.</summary>
    public StreamId? StreamId { get; }

    /// <summary>The log position of that event; null when no event was being handled.</summary>
    public LogPosition? Position { get; }

    /// <summary>The stored type name of that event; null when no event was being handled.</summary>
    public string? EventType { get; }

    /// <summary>How many times it was tried (1 + retries).</summary>
    public int Attempts { get; }

    /// <summary>The last error.</summary>
    public Exception Error { get; }

    /// <summary>A sentence naming the subscription, the event (id, type, stream, position) and the error.</summary>
    public string Message { get; }

    /// <inheritdoc />
    public override string ToString() => Message;
}
