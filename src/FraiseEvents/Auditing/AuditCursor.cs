namespace FraiseEvents.Auditing;

/// <summary>
/// Where an audit trail page ended: the last event's stream version, time and global position.
/// Pages are keyed by it rather than by an offset, so a deep page costs as little as the first.
/// </summary>
/// <param name="Version">The last event's version in its stream.</param>
/// <param name="CreatedAt">The last event's time.</param>
/// <param name="GlobalPosition">The last event's global position.</param>
public readonly record struct AuditCursor(StreamVersion Version, DateTimeOffset CreatedAt, GlobalPosition GlobalPosition)
{
    /// <summary>The cursor after <paramref name="recorded"/>.</summary>
    public static AuditCursor After(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return new AuditCursor(recorded.Version, recorded.CreatedAt, recorded.GlobalPosition);
    }
}
