namespace FraiseEvents;

/// <summary>
/// The version of an event in its stream: the first event is version 1. A stream's version is
/// the version of its last event.
/// </summary>
public readonly record struct StreamVersion : IComparable<StreamVersion>
{
    /// <summary>Creates a version; it must be zero or positive.</summary>
    public StreamVersion(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
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

    /// <summary>Wraps a number.</summary>
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
