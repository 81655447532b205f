namespace FraiseEvents;

/// <summary>The stream belongs to another type than the one given; nothing was written.</summary>
public sealed class StreamTypeMismatchException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public StreamTypeMismatchException(StreamId streamId, string expectedType, string? actualType)
        : base(actualType is null && expectedType.Length == 0
            // What PostgreSQL's FE003 tells a caller that did not keep the types at hand.
            ? $"Stream {streamId} belongs to another stream type than the one given. Each stream belongs to one type: check the stream id."
            : $"Stream {streamId} is of type '{actualType}', not '{expectedType}'. Each stream belongs to one type: check the stream id.")
    {
        StreamId = streamId;
        ExpectedType = expectedType;
        ActualType = actualType;
    }

    /// <summary>The stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>The type the caller gave.</summary>
    public string ExpectedType { get; }

    /// <summary>The type recorded for the stream.</summary>
    public string? ActualType { get; }
}
