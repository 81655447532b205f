namespace FraiseEvents;

/// <summary>Identifies one event stream. Streams are keyed by UUID, as in the documented schema.</summary>
public readonly record struct StreamId
{
    /// <summary>Creates a stream id from a non-empty <see cref="Guid"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is <see cref="Guid.Empty"/>.</exception>
    public StreamId(Guid value)
    {
        if (value == Guid.Empty)
        {
            throw new ArgumentException("A stream id must not be Guid.Empty; use StreamId.New() or a real id.", nameof(value));
        }

        Value = value;
    }

    /// <summary>The UUID stored in <c>stream_id</c>.</summary>
    public Guid Value { get; }

    /// <summary>A new, time-ordered (UUIDv7) stream id.</summary>
    public static StreamId New() => new(Guid.CreateVersion7());

    /// <summary>Wraps an existing id.</summary>
    public static StreamId From(Guid value) => new(value);

    /// <summary>Parses the text form of a UUID.</summary>
    public static StreamId Parse(string value) => new(Guid.Parse(value));

    /// <inheritdoc />
    public override string ToString() => Value.ToString();

    /// <summary>
    /// Wraps an existing id. Implicit, for brevity where a <see cref="Guid"/> is at hand, although it
    /// throws for <see cref="Guid.Empty"/> like the constructor (a deliberate exception to the .NET
    /// guideline that implicit conversions do not throw: the empty id is always a bug, and it is
    /// better refused here than stored; see docs/concepts.md).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is <see cref="Guid.Empty"/>.</exception>
    public static implicit operator StreamId(Guid value) => new(value);
}
