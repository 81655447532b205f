namespace FraiseEvents;

/// <summary>
/// An inline projection failed on an appended event, so the append failed: nothing was stored,
/// neither the events nor any read model. The inner exception is the projection's own error.
/// </summary>
public sealed class ProjectionFailedException : FraiseEventsException
{
    /// <summary>Creates the exception.</summary>
    public ProjectionFailedException(string projectionName, StreamId streamId, StreamVersion? version, string eventType,
        Exception innerException)
        : base($"Projection '{projectionName}' failed on {eventType}"
            + (version is { } v ? $" at version {v}" : "")
            + $" of stream {streamId}: {innerException?.Message} Nothing was stored: neither the events nor any read model changed. "
            + "Fix the projection (or the event it cannot handle), then retry the append with the same events.", innerException)
    {
        ProjectionName = projectionName;
        StreamId = streamId;
        Version = version;
        EventType = eventType;
    }

    /// <summary>The projection that failed.</summary>
    public string ProjectionName { get; }

    /// <summary>The stream being appended to.</summary>
    public StreamId StreamId { get; }

    /// <summary>
    /// The version the event would have had, when known before the append (an exact expected version
    /// or <see cref="ExpectedVersion.NoStream"/>); null otherwise.
    /// </summary>
    public StreamVersion? Version { get; }

    /// <summary>The stored type name of the event the projection failed on, for example <c>USER_CREATED</c>.</summary>
    public string EventType { get; }
}
