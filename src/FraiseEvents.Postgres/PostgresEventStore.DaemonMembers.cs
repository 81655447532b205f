using FraiseEvents.Projections;

namespace FraiseEvents.Postgres;

/// <summary>The live projection daemons of this store's schema, across processes, for spreading its async projections.</summary>
public sealed partial class PostgresEventStore : IProjectionDaemonMembers
{
    async Task<IProjectionDaemonMembership> IProjectionDaemonMembers.JoinProjectionDaemonsAsync(CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PostgresDaemonMembership.JoinAsync(_dataSource, _sql, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException
            && PostgresErrorMapper.MapReadFailure(ex, Schema, "announcing this projection daemon", _role) is { } mapped)
        {
            throw _logger.Logged(Schema, mapped);
        }
    }
}
