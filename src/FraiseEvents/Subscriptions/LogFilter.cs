namespace FraiseEvents.Subscriptions;

/// <summary>Which events of the global log a subscription is given: null lists let every value through; an event must pass all three.</summary>
internal sealed record LogFilter(string[]? EventTypes, string[]? StreamTypes, Guid[]? StreamIds = null)
{
    public static LogFilter None { get; } = new(null, null);

    public bool IsNone => EventTypes is null && StreamTypes is null && StreamIds is null;

    /// <summary>The event-type and stream-id tests, which need nothing but the event (the stream type needs the stream).</summary>
    public bool MatchesEvent(string eventType, StreamId streamId) =>
        (EventTypes is null || EventTypes.Contains(eventType, StringComparer.Ordinal))
        && (StreamIds is null || Array.IndexOf(StreamIds, streamId.Value) >= 0);
}
