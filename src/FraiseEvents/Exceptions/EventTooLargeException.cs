namespace FraiseEvents;

/// <summary>An event, or an append as a whole, is larger than the configured limit; nothing was written.</summary>
public sealed class EventTooLargeException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public EventTooLargeException(StreamId streamId, string what, long sizeBytes, long limitBytes, string settingName)
        : base($"Append to stream {streamId}: {what} is {sizeBytes:N0} bytes of JSON, over the limit of {limitBytes:N0} bytes. "
            + $"Nothing was written. Store large payloads elsewhere and reference them, split the append, or raise EventStoreOptions.{settingName}.")
    {
        StreamId = streamId;
        SizeBytes = sizeBytes;
        LimitBytes = limitBytes;
    }

    /// <summary>The stream.</summary>
    public StreamId StreamId { get; }

    /// <summary>The size found.</summary>
    public long SizeBytes { get; }

    /// <summary>The limit.</summary>
    public long LimitBytes { get; }
}
