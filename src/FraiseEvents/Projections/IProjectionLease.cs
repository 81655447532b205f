namespace FraiseEvents.Projections;

/// <summary>The right to run one projection, held until disposed (or, in PostgreSQL, until its session ends).</summary>
internal interface IProjectionLease : IAsyncDisposable
{
    /// <summary>False once the lease is lost (its session ended): the holder must stop running the projection.</summary>
    Task<bool> IsHeldAsync(CancellationToken cancellationToken);
}
