namespace FraiseEvents.Subscriptions;

/// <summary>
/// The open transaction that holds the global log's visible end back. Readers of the log (
/// subscriptions, <see cref="IEventStore.ReadAllAsync"/>) see only events below the oldest open
/// transaction that took a transaction id, so that an event committed late is never skipped; while
/// such a transaction stays open, events committed after it wait. On PostgreSQL the holder can be
/// any session of the cluster (a forgotten <c>BEGIN</c> in psql, a long batch job), or a prepared
/// transaction. Only these fields are exposed, never the session's query.
/// </summary>
public sealed class LogHoldUp
{
    internal LogHoldUp(int? processId, string? applicationName, string? state, DateTimeOffset? transactionStartedAt, TimeSpan? transactionAge,
        long transactionId, DateTimeOffset? queryStartedAt)
    {
        ProcessId = processId;
        ApplicationName = applicationName;
        State = state;
        TransactionStartedAt = transactionStartedAt;
        TransactionAge = transactionAge;
        TransactionId = transactionId;
        QueryStartedAt = queryStartedAt;
    }

    /// <summary>The server process of the session (<c>pg_stat_activity.pid</c>, what <c>pg_terminate_backend</c> takes); null for a prepared transaction.</summary>
    public int? ProcessId { get; }

    /// <summary>The session's <c>application_name</c>; null for a prepared transaction.</summary>
    public string? ApplicationName { get; }

    /// <summary>
    /// The session's state, such as <c>idle in transaction</c> or <c>active</c>; <c>prepared</c> for a
    /// prepared transaction; null when the store's owner may not see other roles' sessions (grant it
    /// <c>pg_read_all_stats</c>).
    /// </summary>
    public string? State { get; }

    /// <summary>When the transaction started (the preparation, for a prepared transaction); null when not visible (see <see cref="State"/>).</summary>
    public DateTimeOffset? TransactionStartedAt { get; }

    /// <summary>How long the transaction has been open, by the server's clock; null when not visible (see <see cref="State"/>).</summary>
    public TimeSpan? TransactionAge { get; }

    /// <summary>The transaction's id (<c>backend_xid</c>, a 32-bit PostgreSQL transaction id).</summary>
    public long TransactionId { get; }

    /// <summary>When the session's current or last statement started; null for a prepared transaction or when not visible.</summary>
    public DateTimeOffset? QueryStartedAt { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"transaction {TransactionId} of process {ProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(prepared)"} "
        + $"('{ApplicationName}', {State ?? "state not visible"}, open for {TransactionAge?.ToString() ?? "an unknown time"})";
}
