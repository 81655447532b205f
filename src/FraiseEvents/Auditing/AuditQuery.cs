namespace FraiseEvents.Auditing;

/// <summary>
/// Which events an audit trail page shows: those of one stream (<see cref="ForStream"/>), or
/// everything one author did across streams (<see cref="ByAuthor"/>), optionally within a time
/// range and of some event types only.
/// </summary>
public sealed record AuditQuery
{
    /// <summary>The default for <see cref="Limit"/>: 50 events, as documented.</summary>
    public const int DefaultLimit = 50;

    private readonly int _limit = DefaultLimit;

    private AuditQuery()
    {
    }

    /// <summary>The stream whose trail is read; null for an author's trail.</summary>
    public StreamId? StreamId { get; private init; }

    /// <summary>The author whose actions are read; null for a stream's trail.</summary>
    public Guid? CreatedBy { get; private init; }

    /// <summary>Only events stored at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only events stored at or before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only events of these stored type names (for example <c>USER_UPDATED</c>); all when null or empty.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>The most events in one page, 1 to 10,000. The default is 50.</summary>
    public int Limit
    {
        get => _limit;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 10_000);
            _limit = value;
        }
    }

    /// <summary>Continue after this position: the <see cref="AuditPage.Next"/> of the previous page.</summary>
    public AuditCursor? After { get; init; }

    /// <summary>The trail of one stream, newest first.</summary>
    public static AuditQuery ForStream(StreamId streamId)
    {
        if (streamId.Value == Guid.Empty)
        {
            throw new ArgumentException("The stream id must not be empty.", nameof(streamId));
        }

        return new AuditQuery { StreamId = streamId };
    }

    /// <summary>Everything <paramref name="createdBy"/> did, across streams, newest first.</summary>
    public static AuditQuery ByAuthor(Guid createdBy) => new() { CreatedBy = createdBy };
}
