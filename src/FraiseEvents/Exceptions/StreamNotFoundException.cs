namespace FraiseEvents;

/// <summary>The stream has no events.</summary>
public sealed class StreamNotFoundException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public StreamNotFoundException(StreamId streamId)
        : base($"Stream {streamId} does not exist: no event has been appended to it. "
            + "Check the id, or use GetStreamStateAsync to test for a stream before reading it.")
        => StreamId = streamId;

    /// <summary>The missing stream.</summary>
    public StreamId StreamId { get; }
}
