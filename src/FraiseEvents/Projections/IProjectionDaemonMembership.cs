namespace FraiseEvents.Projections;

/// <summary>One daemon's place among the store's live daemons, held until disposed.</summary>
internal interface IProjectionDaemonMembership : IAsyncDisposable
{
    /// <summary>How many daemons of the store are live now, this one included.</summary>
    /// <exception cref="ProjectionDaemonMembershipLostException">This membership was lost (its session ended): join again.</exception>
    Task<int> CountLiveDaemonsAsync(CancellationToken cancellationToken);
}
