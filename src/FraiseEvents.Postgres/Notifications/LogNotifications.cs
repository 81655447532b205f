using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// The wake-ups of one store instance: its own committed appends wake its waiting consumers at
/// once (in process, free) and are announced to other processes (<see cref="NotifySender"/>, when
/// <see cref="PostgresEventStoreOptions.NotifyOnAppend"/> is on); other processes' announcements
/// wake them through one shared listener connection (<see cref="NotificationListener"/>).
/// </summary>
internal sealed class LogNotifications
{
    private readonly WakeUpSignal _signal = new();
    private readonly NotifySender? _sender;

    public LogNotifications(NpgsqlDataSource dataSource, SqlStatements sql, PostgresEventStoreOptions options, ILogger logger)
    {
        // Tells this instance's own notifications apart from everyone else's.
        var instance = Guid.NewGuid().ToString("N");
        ApplicationName = ListenerApplicationName(options.Schema);
        _sender = options.NotifyOnAppend ? new NotifySender(dataSource, sql.NotifyLog, instance, options.Schema, logger) : null;
        Listener = new NotificationListener(dataSource, sql, ApplicationName, instance, _signal, options.Schema, logger);
    }

    /// <summary>The listener's <c>application_name</c>.</summary>
    public string ApplicationName { get; }

    public NotificationListener Listener { get; }

    public NotifySender? Sender => _sender;

    /// <summary>
    /// <c>FraiseEvents listener &lt;schema&gt;</c>, cut to the 63 bytes PostgreSQL keeps (schema
    /// names are ASCII letters, digits and underscores, so characters are bytes).
    /// </summary>
    public static string ListenerApplicationName(string schema)
    {
        var name = "FraiseEvents listener " + schema;
        return name.Length <= 63 ? name : name[..63];
    }

    /// <summary>An append of this instance committed: wake its waiters, and tell other processes.</summary>
    public void AppendCommitted()
    {
        _signal.Signal();
        _sender?.Request();
    }

    public LogWaiter CreateWaiter() => new(_signal, Listener.Acquire, Listener.Release);

    public async Task StopAsync()
    {
        _sender?.Stop();
        await Listener.StopAsync().ConfigureAwait(false);
    }
}
