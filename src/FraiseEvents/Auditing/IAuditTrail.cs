namespace FraiseEvents.Auditing;

/// <summary>
/// Who did what and when: events newest first, with their type, data, time, author
/// (<see cref="EventMetadata.CreatedBy"/>) and metadata, in pages.
/// </summary>
public interface IAuditTrail
{
    /// <summary>
    /// One page of the audit trail, newest first. Pass <see cref="AuditPage.Next"/> as
    /// <see cref="AuditQuery.After"/> to get the following page; every event appears exactly once
    /// across pages, even while new events are appended.
    /// </summary>
    Task<AuditPage> ReadAuditTrailAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
