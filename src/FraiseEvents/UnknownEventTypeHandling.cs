namespace FraiseEvents;

/// <summary>What reads do with a stored event type that no registered type or upcaster accounts for.</summary>
public enum UnknownEventTypeHandling
{
    /// <summary>Throw <see cref="UnknownEventTypeException"/> naming the type, stream and version. The default.</summary>
    Throw,

    /// <summary>
    /// Leave the event out of stream reads. The global log still returns it, as an
    /// <see cref="UnknownEvent"/>, so that a consumer's checkpoint can move past it.
    /// </summary>
    Skip,

    /// <summary>Return the event with an <see cref="UnknownEvent"/> (raw JSON) as its data.</summary>
    Surface,
}
