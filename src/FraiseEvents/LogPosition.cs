namespace FraiseEvents;

/// <summary>
/// A consumer's place in the global log: the writing transaction's id and the event's global
/// position. The log is ordered by this pair and only shows events whose transaction, and every
/// transaction before it, has ended, so a checkpoint taken from it never skips an event that
/// commits late. See docs/global-log-ordering.md.
/// </summary>
public readonly record struct LogPosition(long TransactionId, long GlobalPosition) : IComparable<LogPosition>
{
    /// <summary>Before the first event.</summary>
    public static LogPosition Start => default;

    /// <inheritdoc />
    public int CompareTo(LogPosition other)
    {
        var byTransaction = TransactionId.CompareTo(other.TransactionId);
        return byTransaction != 0 ? byTransaction : GlobalPosition.CompareTo(other.GlobalPosition);
    }

    /// <summary>Compares two positions.</summary>
    public static bool operator <(LogPosition left, LogPosition right) => left.CompareTo(right) < 0;

    /// <summary>Compares two positions.</summary>
    public static bool operator >(LogPosition left, LogPosition right) => left.CompareTo(right) > 0;

    /// <summary>Compares two positions.</summary>
    public static bool operator <=(LogPosition left, LogPosition right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two positions.</summary>
    public static bool operator >=(LogPosition left, LogPosition right) => left.CompareTo(right) >= 0;

    /// <inheritdoc />
    public override string ToString() => $"{TransactionId}/{GlobalPosition}";
}
