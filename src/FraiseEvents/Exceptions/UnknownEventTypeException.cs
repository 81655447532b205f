namespace FraiseEvents;

/// <summary>An event type is not registered: a CLR type on append, or a stored name on read.</summary>
public sealed class UnknownEventTypeException : FraiseEventsException
{
    /// <summary>Creates the exception for a stored name that no registered type has.</summary>
    public UnknownEventTypeException(string eventTypeName, StreamId? streamId = null, StreamVersion? version = null)
        : base($"Unknown event type '{eventTypeName}'"
            + (streamId is { } id ? $" at version {version} of stream {id}" : "")
            + ". Register the CLR type that this name stands for (options.Events.Register<T>(\"" + eventTypeName + "\")).")
    {
        EventTypeName = eventTypeName;
        StreamId = streamId;
        Version = version;
    }

    /// <summary>Creates the exception for a CLR type that is not registered.</summary>
    public UnknownEventTypeException(Type clrType, StreamId? streamId = null)
        : this(clrType, streamId, $". Register it before appending: options.Events.Register<{clrType.Name}>().")
    {
    }

    private UnknownEventTypeException(Type clrType, StreamId? streamId, string remedy)
        : base($"Event type {clrType.FullName} is not registered"
            + (streamId is { } id ? $" (append to stream {id}; nothing was written)" : "")
            + remedy)
    {
        ClrType = clrType;
        StreamId = streamId;
    }

    /// <summary>An append of the old shape an upcaster reads: the remedy is the current type, not a registration.</summary>
    internal static UnknownEventTypeException ForUpcasterSource(Type clrType, StreamId streamId, string upcaster, Type current, string currentName) =>
        new(clrType, streamId,
            $". It is the old shape read by the upcaster {upcaster}, kept to read stored events: append the current form, "
            + $"{current.Name} ({currentName}), instead. Registering {clrType.Name} would write new events in the old shape.");

    /// <summary>The stored name, when a name was not recognised.</summary>
    public string? EventTypeName { get; }

    /// <summary>The CLR type, when a type was not registered.</summary>
    public Type? ClrType { get; }

    /// <summary>The stream, when known.</summary>
    public StreamId? StreamId { get; }

    /// <summary>The event's version, when known.</summary>
    public StreamVersion? Version { get; }
}
