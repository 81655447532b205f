using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace FraiseEvents.Postgres;

/// <summary>Settings of the PostgreSQL store.</summary>
public sealed class PostgresEventStoreOptions
{
    /// <summary>
    /// The schema holding the store's tables and functions. The default is <c>public</c>; give
    /// two stores different schemas to keep them apart in one database. 1 to 63 letters, digits
    /// and underscores; <c>information_schema</c> and names starting with <c>pg_</c> (PostgreSQL's
    /// own) are refused.
    /// </summary>
    public string Schema { get; set; } = "public";

    /// <summary>
    /// Apply pending migrations when the store is first used. The default is true. Turn it off
    /// where the application's database role may not change the schema, and run
    /// <see cref="PostgresMigrations.ApplyAsync"/> (or the files in <c>migrations/</c> with psql)
    /// from a deployment step instead; the store then checks that the schema is up to date.
    /// </summary>
    public bool ApplyMigrationsOnStartup { get; set; } = true;

    /// <summary>
    /// Run even when the server has <c>fsync</c> or <c>synchronous_commit</c> off, where a crash
    /// loses acknowledged appends. The default is false: the store refuses to start.
    /// </summary>
    public bool AllowUnsafeDurabilitySettings { get; set; }

    /// <summary>Where the store logs; nothing is logged when null. Event data is never logged.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Creates the store's <c>FraiseEvents</c> meter. When null (the default outside dependency
    /// injection) the store creates a meter of its own and disposes it with the store;
    /// <c>UsePostgres</c> takes the container's factory when one is registered.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Record stream ids on spans (as <c>fraiseevents.stream.id</c>). The default is false: a
    /// stream id often names a person or an account, and traces are kept and shared more widely
    /// than the database. Metrics never carry stream ids.
    /// </summary>
    public bool RecordStreamIdsInTelemetry { get; set; }

    /// <summary>
    /// Natural write batching (default true): concurrent <see cref="PostgresEventStore.AppendAsync"/>
    /// calls of this store that arrive while another append is in flight are sent together when it
    /// returns, in one round trip and one transaction, each with its own outcome. An append that
    /// finds none in flight is sent at once, so a single writer's latency does not change. Appends
    /// that carry side writes (inline projections, snapshots) are always sent on their own. Set
    /// false to give every append its own round trip and transaction. See docs/performance.md.
    /// </summary>
    public bool BatchConcurrentAppends { get; set; } = true;

    /// <summary>
    /// Announce this store's appends to other processes (default true): after an append commits, a
    /// notification goes out on the store's channel (<c>NOTIFY</c> through <c>fe_notify_log</c>), in
    /// a transaction of its own, so that subscriptions in other processes wake at once instead of at
    /// their next poll. Notifications are coalesced (at most one in flight per store instance, at
    /// most one every 10 ms), and never sent inside the append's transaction, where they would make
    /// concurrent appends commit one at a time. Subscriptions of the same store instance are woken
    /// in process whatever this says. Set false when no other process subscribes, or to spare the
    /// round trips; other processes then find the events at their next poll.
    /// </summary>
    public bool NotifyOnAppend { get; set; } = true;

    /// <summary>
    /// Index events by author (<c>created_by</c>) so that an audit trail by author
    /// (<see cref="PostgresEventStore.ReadAuditTrailAsync"/> with <c>AuditQuery.ByAuthor</c>) reads
    /// only the author's events, newest first, without a sort. The default is false: the index
    /// costs about as much as the primary key on every event with an author, and without it an
    /// audit by author returns the same rows by reading the whole log (time proportional to the
    /// log, not to the author's events).
    /// When true, start-up creates the index (<c>fe_index_events_by_author()</c>) if it is missing,
    /// which needs the role that owns the store and holds off appends while it is built; on a large
    /// store create it beforehand with <c>CREATE INDEX CONCURRENTLY</c> (docs/time-travel-and-audit.md).
    /// Setting it back to false does not drop the index.
    /// </summary>
    public bool IndexEventsByAuthor { get; set; }

    /// <summary>Checks every setting; the message names the one that is wrong.</summary>
    public void Validate() => _ = StoreSchema.Quote(Schema);
}
