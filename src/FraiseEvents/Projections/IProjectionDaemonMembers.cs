namespace FraiseEvents.Projections;

/// <summary>
/// What a store offers for spreading async projections across daemons: a daemon joins the store's
/// live daemons and counts them. Both stores implement it; a store without it runs every projection
/// wherever it can take the lock.
/// </summary>
internal interface IProjectionDaemonMembers
{
    /// <summary>Announces a daemon as live until the membership is disposed (or, in PostgreSQL, its session ends).</summary>
    Task<IProjectionDaemonMembership> JoinProjectionDaemonsAsync(CancellationToken cancellationToken);
}
