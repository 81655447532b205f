namespace FraiseEvents.Projections;

/// <summary>
/// An event as the shared fold sees it, whether it rides with an append (inline: version known only
/// when the expectation fixes it, no position yet) or comes from the global log (async: everything known).
/// </summary>
internal readonly record struct FoldEvent(StreamId StreamId, Guid EventId, string EventType, object Data, EventMetadata Metadata,
    string? StreamType, StreamVersion? Version, bool StreamIsNew)
{
    /// <summary>The event's global position when it comes from the log; 0 for an append's event (assigned by the database).</summary>
    public long GlobalPosition { get; init; }

    /// <summary>The event's place in the log when it comes from the log.</summary>
    public LogPosition? LogPosition { get; init; }

    /// <summary>The events of appends, stream after stream, in order.</summary>
    public static FoldEvent[] Of(IReadOnlyList<ProjectionAppend> appends)
    {
        var count = 0;
        foreach (var append in appends)
        {
            count += append.Events.Count;
        }

        var events = new FoldEvent[count];
        var n = 0;
        foreach (var append in appends)
        {
            var isNew = append.ExpectedVersion == ExpectedVersion.NoStream;
            for (var i = 0; i < append.Events.Count; i++)
            {
                var newEvent = append.Events[i];
                var serialized = append.Serialized[i];
                events[n++] = new FoldEvent(append.StreamId, serialized.EventId, serialized.EventType, newEvent.Data,
                    EventMetadata.Merge(newEvent.Metadata, append.Options?.Metadata) ?? EventMetadata.Empty, append.Options?.StreamType,
                    append.VersionOf(i), isNew);
            }
        }

        return events;
    }

    /// <summary>An event read from the global log (the stream type is not read with it).</summary>
    public static FoldEvent Of(RecordedEvent recorded) =>
        new(recorded.StreamId, recorded.EventId, recorded.EventType, recorded.Data, recorded.Metadata, StreamType: null, recorded.Version,
            StreamIsNew: false)
        {
            GlobalPosition = recorded.GlobalPosition.Value,
            LogPosition = recorded.LogPosition,
        };
}
