using FraiseEvents.Subscriptions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// One dedicated connection per store instance that listens on the store's channel and wakes the
/// instance's waiting consumers when another process (or another instance) announces appends. It
/// runs while at least one consumer waits, started by the first; it reconnects with back-off when
/// its connection is lost, and wakes every waiter once it listens again, since notifications sent
/// while it was not listening are lost. Consumers poll all along, so a lost wake-up only delays.
/// </summary>
internal sealed class NotificationListener(
    NpgsqlDataSource dataSource, SqlStatements sql, string applicationName, string ownPayload, WakeUpSignal signal, string schema, ILogger logger)
{
    private static readonly TimeSpan FirstReconnectDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(30);

    /// <summary>A silent connection is checked this often, so that one dropped by the network is noticed and replaced.</summary>
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(30);

    /// <summary>How soon a stop is noticed: the wait for notifications is not cancelled, which could leave the connection unusable.</summary>
    private static readonly TimeSpan StopCheckInterval = TimeSpan.FromMilliseconds(250);

    private readonly Lock _lock = new();
    private int _users;
    private CancellationTokenSource? _running;
    private Task _loop = Task.CompletedTask;
    private long _connections;
    private long _received;

    /// <summary>How many times it has connected and started listening (for tests: a reconnection adds one).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Notifications received from others (for tests).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>A consumer starts waiting: the first starts the listener.</summary>
    public void Acquire()
    {
        lock (_lock)
        {
            if (++_users == 1)
            {
                var running = new CancellationTokenSource();
                _running = running;
                var previous = _loop;
                _loop = Task.Run(async () =>
                {
                    await previous.ConfigureAwait(false); // the last run's connection is closed first
                    await RunAsync(running.Token).ConfigureAwait(false);
                });
            }
        }
    }

    /// <summary>A consumer stops waiting: the last stops the listener.</summary>
    public void Release()
    {
        CancellationTokenSource? stopping = null;
        lock (_lock)
        {
            if (--_users == 0)
            {
                stopping = _running;
                _running = null;
            }
        }

        stopping?.Cancel();
    }

    /// <summary>Stops listening whoever waits, and returns once the connection is closed.</summary>
    public async Task StopAsync()
    {
        Task loop;
        lock (_lock)
        {
            _users = int.MinValue / 2; // no later Acquire starts it again
            _running?.Cancel();
            _running = null;
            loop = _loop;
        }

        await loop.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = FirstReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            var connectionsBefore = Interlocked.Read(ref _connections);
            try
            {
                await ListenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (Interlocked.Read(ref _connections) > connectionsBefore)
                {
                    delay = FirstReconnectDelay; // it listened before failing: the back-off starts over
                }

                logger.ListenerLost(schema, delay, ex);
            }

            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = delay * 2 < MaxReconnectDelay ? delay * 2 : MaxReconnectDelay;
        }
    }

    /// <summary>
    /// Connects, listens and waits for notifications until the connection fails or the listener
    /// stops. Only the connect is cancelled: the connection is the pool's, so on a stop it is left as
    /// it was found (no channel, its own application name) before it goes back.
    /// </summary>
    private async Task ListenAsync(CancellationToken stop)
    {
        var connection = await dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
        await using var connectionDisposal = connection.ConfigureAwait(false);
        // Named, so that an operator (or a test) can find it in pg_stat_activity.
        using (var name = new NpgsqlCommand(sql.SetApplicationName, connection))
        {
            name.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
            await name.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        string channel;
        using (var query = new NpgsqlCommand(sql.LogChannel, connection))
        {
            channel = (string)(await query.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!; // never null: see fe_log_channel
        }

        connection.Notification += OnNotification;
        using (var listen = new NpgsqlCommand(SqlStatements.Listen(channel), connection))
        {
            await listen.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _connections);
        logger.ListenerListening(schema, connection.ProcessID);
        // Appends announced while nobody listened were not heard: every waiter reads once.
        signal.Signal();
        var quietSince = TimeProvider.System.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            if (await connection.WaitAsync(StopCheckInterval, CancellationToken.None).ConfigureAwait(false))
            {
                quietSince = TimeProvider.System.GetTimestamp();
            }
            else if (TimeProvider.System.GetElapsedTime(quietSince) >= KeepAliveInterval)
            {
                using var keepAlive = new NpgsqlCommand(sql.KeepAlive, connection);
                await keepAlive.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                quietSince = TimeProvider.System.GetTimestamp();
            }
        }

        connection.Notification -= OnNotification;
        using var unlisten = new NpgsqlCommand(sql.StopListening, connection);
        await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        // This instance's own appends woke its waiters when they committed.
        if (e.Payload != ownPayload)
        {
            Interlocked.Increment(ref _received);
            signal.Signal();
        }
    }
}
