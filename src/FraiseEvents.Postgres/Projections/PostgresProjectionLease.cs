using FraiseEvents.Projections;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// An async projection's session advisory lock (<c>fe_try_lock_projection</c>), held on a connection
/// of its own for as long as this daemon runs the projection. It is lost when that session ends;
/// <see cref="IsHeldAsync"/> finds out with a round trip on the connection.
/// </summary>
internal sealed class PostgresProjectionLease : IProjectionLease
{
    private readonly NpgsqlConnection _connection;
    private readonly SqlStatements _sql;
    private readonly string _projection;

    private PostgresProjectionLease(NpgsqlConnection connection, SqlStatements sql, string projection)
    {
        _connection = connection;
        _sql = sql;
        _projection = projection;
    }

    /// <summary>The lock, or null (and the connection closed) when another session holds it.</summary>
    public static async Task<PostgresProjectionLease?> TryAcquireAsync(NpgsqlDataSource dataSource, SqlStatements sql, string projection,
        CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = new NpgsqlCommand(sql.TryLockProjection, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return new PostgresProjectionLease(connection, sql, projection);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    public async Task<bool> IsHeldAsync(CancellationToken cancellationToken)
    {
        if (_connection.FullState != System.Data.ConnectionState.Open)
        {
            return false;
        }

        using var command = new NpgsqlCommand(_sql.Ping, _connection);
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Unlocks, then returns the connection. The unlock must be explicit: a pooled connection keeps its
    /// session, and with it a session lock, until the pool next resets it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.FullState == System.Data.ConnectionState.Open)
            {
                using var command = new NpgsqlCommand(_sql.UnlockProjection, _connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _projection });
                await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
