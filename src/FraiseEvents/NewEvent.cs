namespace FraiseEvents;

/// <summary>An event to append: the event object plus its id and optional metadata.</summary>
/// <remarks>
/// The id makes retries safe: appending the same ids again with the same expected version, after
/// a timeout or a lost connection, succeeds without writing twice. Keep the <see cref="NewEvent"/>
/// instances (or their ids) when you retry.
/// </remarks>
public sealed record NewEvent
{
    private readonly Guid _eventId = Guid.CreateVersion7();

    /// <summary>Wraps an event object with a new time-ordered (UUIDv7) id.</summary>
    /// <param name="data">The event: an instance of a registered event type.</param>
    public NewEvent(object data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    /// <summary>The event object; its CLR type must be registered.</summary>
    public object Data { get; }

    /// <summary>The event's id (<c>tb_events.id</c>), unique within its stream. Defaults to a new UUIDv7.</summary>
    /// <exception cref="ArgumentException">The id is empty (<see cref="Guid.Empty"/>): refused here, not only at append.</exception>
    public Guid EventId
    {
        get => _eventId;
        init => _eventId = value != Guid.Empty
            ? value
            : throw new ArgumentException("An event id must not be empty (Guid.Empty); leave EventId unset for a new UUIDv7.", nameof(value));
    }

    /// <summary>
    /// Metadata for this event only, merged over the append's (<see cref="AppendOptions.Metadata"/>): what it sets
    /// wins, header by header; what it leaves unset (correlation, causation, author, other headers) is the append's.
    /// </summary>
    public EventMetadata? Metadata { get; init; }
}
