using FraiseEvents.Projections;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// A projection daemon's member slot among the store's live daemons (<c>fe_try_join_projection_daemons</c>):
/// a session advisory lock held on a connection of its own, lost when that session ends, so that a
/// dead daemon stops being counted. Counting (<c>fe_count_projection_daemons</c>) runs on the same
/// connection, which also finds out that the session is gone.
/// </summary>
internal sealed class PostgresDaemonMembership : IProjectionDaemonMembership
{
    /// <summary>More daemons of one store than this is a mistake, not a deployment.</summary>
    private const int MaxSlots = 10_000;

    private readonly NpgsqlConnection _connection;
    private readonly SqlStatements _sql;
    private readonly int _slot;

    private PostgresDaemonMembership(NpgsqlConnection connection, SqlStatements sql, int slot)
    {
        _connection = connection;
        _sql = sql;
        _slot = slot;
    }

    /// <summary>Takes the first free slot, 0, 1, 2, ...</summary>
    public static async Task<PostgresDaemonMembership> JoinAsync(NpgsqlDataSource dataSource, SqlStatements sql, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var slot = 0; slot < MaxSlots; slot++)
            {
                using var command = new NpgsqlCommand(sql.TryJoinProjectionDaemons, connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = slot });
                if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                {
                    return new PostgresDaemonMembership(connection, sql, slot);
                }
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        throw new InvalidOperationException($"{MaxSlots} projection daemons of this store are live already; stop some, or turn ProjectionDaemonOptions.SpreadProjections off.");
    }

    public async Task<int> CountLiveDaemonsAsync(CancellationToken cancellationToken)
    {
        if (_connection.FullState != System.Data.ConnectionState.Open)
        {
            throw new ProjectionDaemonMembershipLostException("The projection daemon's membership connection is closed (its session ended): it joins again.");
        }

        using var command = new NpgsqlCommand(_sql.CountProjectionDaemons, _connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int count
            ? count
            : throw new InvalidOperationException("fe_count_projection_daemons returned no count.");
    }

    /// <summary>Leaves explicitly: a pooled connection keeps its session, and with it the slot, until the pool resets it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.FullState == System.Data.ConnectionState.Open)
            {
                using var command = new NpgsqlCommand(_sql.LeaveProjectionDaemons, _connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _slot });
                await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
