namespace FraiseEvents.Aggregates;

/// <summary>
/// A base class for aggregates. Declare one <c>Apply(TEvent)</c> method (any visibility, returning
/// void) per event type the aggregate understands; they are found once per aggregate type and
/// called through delegates, with no reflection per event. Command methods check their rules and
/// call <see cref="Raise"/>.
/// </summary>
/// <example><code>
/// public sealed class UserAggregate(StreamId id) : Aggregate&lt;UserAggregate&gt;(id)
/// {
///     public string Name { get; private set; } = "";
///     public void Rename(string name) => Raise(new UserUpdated(Id.Value, Name: name));
///     private void Apply(UserCreated e) => Name = e.Name;
///     private void Apply(UserUpdated e) => Name = e.Name ?? Name;
/// }
/// </code></example>
/// <typeparam name="TSelf">The aggregate type itself.</typeparam>
public abstract class Aggregate<TSelf> : IAggregate where TSelf : Aggregate<TSelf>
{
    private readonly List<object> _uncommitted = [];

    /// <summary>Creates an aggregate for the stream <paramref name="id"/>, at version 0.</summary>
    protected Aggregate(StreamId id)
    {
        if (id.Value == Guid.Empty)
        {
            throw new ArgumentException("An aggregate needs a stream id; use StreamId.New().", nameof(id));
        }

        Id = id;
    }

    /// <inheritdoc />
    public StreamId Id { get; }

    /// <inheritdoc />
    public StreamVersion Version { get; private set; }

    /// <inheritdoc />
    public bool IsDeleted { get; protected set; }

    /// <inheritdoc />
    public IReadOnlyList<object> UncommittedEvents => _uncommitted;

    /// <summary>What to do with events that have no apply method. The default ignores them.</summary>
    protected virtual UnknownEventPolicy UnknownEvents => UnknownEventPolicy.Ignore;

    /// <summary>Applies a new event to the state and records it for the next save.</summary>
    /// <exception cref="UnhandledEventException">The aggregate rejects unknown events and has no apply method for this one.</exception>
    protected void Raise(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        Dispatch(@event, version: null);
        _uncommitted.Add(@event);
    }

    void IAggregate.ApplyStored(object @event, StreamVersion version)
    {
        ArgumentNullException.ThrowIfNull(@event);
        Dispatch(@event, version);
        Version = version;
    }

    void IAggregate.SetStoredVersion(StreamVersion version) => Version = version;

    void IAggregate.MarkCommitted(StreamVersion version)
    {
        _uncommitted.Clear();
        Version = version;
    }

    private void Dispatch(object @event, StreamVersion? version)
    {
        if (AggregateAppliers<TSelf>.TryGet(@event.GetType(), out var apply))
        {
            apply((TSelf)this, @event);
        }
        else if (UnknownEvents == UnknownEventPolicy.Reject)
        {
            throw new UnhandledEventException(typeof(TSelf), @event.GetType(), Id, version);
        }
    }
}
