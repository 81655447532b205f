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

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
