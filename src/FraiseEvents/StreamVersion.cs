namespace FraiseEvents;

/// <summary>
/// The version of an event in its stream: the first event is version 1. A stream's version is
/// the version of its last event.
/// </summary>
public readonly record struct StreamVersion : IComparable<StreamVersion>
{
    /// <summary>
    /// The highest version a stream can reach: 2,147,483,647 events, the range of the
    /// <c>event_version integer</c> column of the documented schema.
    /// </summary>
    public const long MaxValue = int.MaxValue;

    /// <summary>Creates a version.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or above <see cref="MaxValue"/>.</exception>
    public StreamVersion(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        if (value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value,
                $"A stream version is at most {MaxValue} (the range of the event_version integer column); {value} cannot be the version of any event.");
        }

        Value = value;
    }

    /// <summary>The numeric version.</summary>
    public long Value { get; }

    /// <summary>Version 0: a stream with no events.</summary>
    public static StreamVersion None => default;

    /// <summary>Version 1: the first event of a stream.</summary>
    public static StreamVersion First => new(1);

    /// <summary>Wraps a number.</summary>
    public static StreamVersion From(long value) => new(value);

    /// <inheritdoc />
    public int CompareTo(StreamVersion other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Wraps a number. Implicit, so that <c>ReadStreamAsync(id, fromVersion: 3)</c> reads naturally,
    /// although it throws for a negative value or one above <see cref="MaxValue"/> like the
    /// constructor (a deliberate exception to the .NET guideline that implicit conversions do not
    /// throw: no stream has such a version; see docs/concepts.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative or above <see cref="MaxValue"/>.</exception>
    public static implicit operator StreamVersion(long value) => new(value);

    /// <summary>Compares two versions.</summary>
    public static bool operator <(StreamVersion left, StreamVersion right) => left.Value < right.Value;

    /// <summary>Compares two versions.</summary>
    public static bool operator >(StreamVersion left, StreamVersion right) => left.Value > right.Value;

    /// <summary>Compares two versions.</summary>
    public static bool operator <=(StreamVersion left, StreamVersion right) => left.Value <= right.Value;

    /// <summary>Compares two versions.</summary>
    public static bool operator >=(StreamVersion left, StreamVersion right) => left.Value >= right.Value;
}
