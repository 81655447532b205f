namespace FraiseEvents.Aggregates;

/// <summary>
/// The functional style: state is a value and <c>fold(state, event)</c> returns the next one.
/// No base class, no mutable aggregate; append with <see cref="Folded{TState}.Version"/> as the expected version.
/// </summary>
public static class EventFolding
{
    /// <summary>Folds events, oldest first, into a state.</summary>
    public static TState Fold<TState>(TState initial, IEnumerable<object> events, Func<TState, object, TState> fold)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(fold);
        var state = initial;
        foreach (var @event in events)
        {
            state = fold(state, @event);
        }

        return state;
    }

    /// <summary>Folds a stream (up to <paramref name="toVersion"/>, inclusive) into a state; null when the stream does not exist.</summary>
    public static async Task<Folded<TState>?> FoldStreamAsync<TState>(this IEventStore store, StreamId streamId, TState initial,
        Func<TState, object, TState> fold, StreamVersion? toVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fold);
        try
        {
            return await FoldAsync(store.ReadStreamAsync(streamId, fromVersion: null, toVersion, cancellationToken), initial, fold)
                .ConfigureAwait(false);
        }
        catch (StreamNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Folds the events of a stream stored at or before <paramref name="asOf"/> into a state; null
    /// when the stream does not exist or had no events yet.
    /// </summary>
    public static async Task<Folded<TState>?> FoldStreamAsOfAsync<TState>(this IEventStore store, StreamId streamId, TState initial,
        Func<TState, object, TState> fold, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fold);
        try
        {
            return await FoldAsync(store.ReadStreamAsOfAsync(streamId, asOf, fromVersion: null, cancellationToken), initial, fold)
                .ConfigureAwait(false);
        }
        catch (StreamNotFoundException)
        {
            return null;
        }
    }

    private static async Task<Folded<TState>?> FoldAsync<TState>(IAsyncEnumerable<RecordedEvent> events, TState initial,
        Func<TState, object, TState> fold)
    {
        var state = initial;
        var version = StreamVersion.None;
        await foreach (var recorded in events.ConfigureAwait(false))
        {
            state = fold(state, recorded.Data);
            version = recorded.Version;
        }

        return version == StreamVersion.None ? null : new Folded<TState>(state, version);
    }
}
