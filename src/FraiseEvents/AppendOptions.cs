namespace FraiseEvents;

/// <summary>Options for one append.</summary>
public sealed record AppendOptions
{
    /// <summary>
    /// Metadata for every event of the append. An event's own <see cref="NewEvent.Metadata"/> is merged over it:
    /// the values the event sets win (headers one by one), the others come from here.
    /// </summary>
    public EventMetadata? Metadata { get; init; }

    /// <summary>
    /// The stream's type (for example the aggregate's name), recorded when the stream is created.
    /// Appending with a different type to an existing stream fails with
    /// <see cref="StreamTypeMismatchException"/>. Null leaves the type as it is. At most 100
    /// characters, without U+0000 or lone surrogates (which the database cannot store): otherwise
    /// the append fails with <see cref="ArgumentException"/> before anything is sent.
    /// </summary>
    public string? StreamType { get; init; }
}
