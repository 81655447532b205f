namespace FraiseEvents;

/// <summary>
/// An event's position in the whole store (<c>tb_events.global_position</c>): unique, and
/// increasing in the order events were inserted. Positions of rolled-back appends are never used,
/// so gaps are normal. To follow the log without missing late commits, use <see cref="LogPosition"/>.
/// </summary>
public readonly record struct GlobalPosition(long Value) : IComparable<GlobalPosition>
{
    /// <summary>Before the first event.</summary>
    public static GlobalPosition Start => default;

    /// <inheritdoc />
    public int CompareTo(GlobalPosition other) => Value.CompareTo(other.Value);

    /// <summary>True when <paramref name="left"/> was inserted before <paramref name="right"/>.</summary>
    public static bool operator <(GlobalPosition left, GlobalPosition right) => left.Value < right.Value;

    /// <summary>True when <paramref name="left"/> was inserted after <paramref name="right"/>.</summary>
    public static bool operator >(GlobalPosition left, GlobalPosition right) => left.Value > right.Value;

    /// <summary>True when <paramref name="left"/> is <paramref name="right"/> or was inserted before it.</summary>
    public static bool operator <=(GlobalPosition left, GlobalPosition right) => left.Value <= right.Value;

    /// <summary>True when <paramref name="left"/> is <paramref name="right"/> or was inserted after it.</summary>
    public static bool operator >=(GlobalPosition left, GlobalPosition right) => left.Value >= right.Value;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
