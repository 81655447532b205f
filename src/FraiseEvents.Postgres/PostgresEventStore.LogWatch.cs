using FraiseEvents.Subscriptions;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>What consumers of the log wait on (wake-ups) and what tells how far behind they are (the head, the hold-up).</summary>
public sealed partial class PostgresEventStore : ILogWakeUp, ILogHeadReader
{
    /// <summary>The <c>application_name</c> of this store's notification listener connection, to find it in <c>pg_stat_activity</c>.</summary>
    internal string ListenerApplicationName => _notifications.ApplicationName;

    /// <summary>The listener and sender, for tests.</summary>
    internal LogNotifications Notifications => _notifications;

    /// <summary>
    /// The open transaction that holds the global log's visible end back, or null when no committed
    /// event of this store waits beyond it. Readers of the log (subscriptions,
    /// <see cref="ReadAllAsync"/>) see only events below the oldest open transaction of the cluster
    /// that took a transaction id, so that an event committed late is never skipped; while that
    /// transaction stays open, events committed after it wait. Returns its process id, application
    /// name, state, age, transaction id and query start (never the query). One call of
    /// <c>fe_log_hold_up</c>, which the application's role may call. State and times of another
    /// role's session are null unless the store's owner may see them (grant it <c>pg_read_all_stats</c>).
    /// </summary>
    public async Task<LogHoldUp?> GetLogHoldUpAsync(CancellationToken cancellationToken = default)
    {
        var query = await StartQueryAsync(_sql.LogHoldUp, "reading what holds the global log back", cancellationToken).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        if (!await query.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var reader = query.Reader;
        return new LogHoldUp(
            reader.IsDBNull(0) ? null : reader.GetInt32(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<TimeSpan>(4),
            reader.GetInt64(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <remarks>
    /// Woken at once by this instance's own appends, and by other processes' through the instance's
    /// listener connection (one per store instance, opened when the first waiter waits and closed
    /// when the last one is disposed).
    /// </remarks>
    LogWaiter ILogWakeUp.CreateWaiter() => _notifications.CreateWaiter();

    async Task<LogHead> ILogHeadReader.ReadLogHeadAsync(LogPosition after, CancellationToken cancellationToken)
    {
        var query = await StartQueryAsync(_sql.LogHead, "reading the head of the global log", cancellationToken,
            new NpgsqlParameter<long> { TypedValue = after.TransactionId },
            new NpgsqlParameter<long> { TypedValue = after.GlobalPosition }).ConfigureAwait(false);
        await using var queryDisposal = query.ConfigureAwait(false);
        await query.ReadAsync(cancellationToken).ConfigureAwait(false); // always one row
        var reader = query.Reader;
        return new LogHead(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<TimeSpan>(1), reader.GetBoolean(2));
    }

    Task<LogHoldUp?> ILogHeadReader.ReadLogHoldUpAsync(CancellationToken cancellationToken) => GetLogHoldUpAsync(cancellationToken);
}
