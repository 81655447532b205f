namespace FraiseEvents;

/// <summary>Conveniences over <see cref="IEventStore"/>, written once for every store.</summary>
public static class EventStoreExtensions
{
    /// <summary>Appends one event object (or <see cref="NewEvent"/>) to a stream.</summary>
    public static Task<AppendResult> AppendAsync(this IEventStore store, StreamId streamId, ExpectedVersion expectedVersion,
        object @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(@event);
        return store.AppendAsync(streamId, expectedVersion, [AsNewEvent(@event)], options: null, cancellationToken);
    }

    /// <summary>Appends event objects (or <see cref="NewEvent"/>s) to a stream, all or none.</summary>
    public static Task<AppendResult> AppendAsync(this IEventStore store, StreamId streamId, ExpectedVersion expectedVersion,
        IEnumerable<object> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        return store.AppendAsync(streamId, expectedVersion, [.. events.Select(AsNewEvent)], options, cancellationToken);
    }

    private static NewEvent AsNewEvent(object? @event) => @event switch
    {
        null => throw new ArgumentNullException(nameof(@event), "An event in the append is null."),
        NewEvent newEvent => newEvent,
        _ => new NewEvent(@event),
    };
}
