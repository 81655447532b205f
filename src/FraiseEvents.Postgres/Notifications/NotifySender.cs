using Microsoft.Extensions.Logging;
using Npgsql;

namespace FraiseEvents.Postgres;

/// <summary>
/// Announces a store instance's committed appends on the store's channel (<c>fe_notify_log</c>),
/// out of band: in a transaction of its own after the append committed, never inside the append's.
/// A transaction that notifies takes a cluster-wide lock at commit, so notifying inside appends
/// would make concurrent appends commit one at a time. Requests are coalesced: at most one
/// notification is in flight per store instance, at most one more is queued behind it (covering
/// every append that committed meanwhile), and they go out at most every <see cref="MinInterval"/>.
/// A notification that fails is logged and dropped: listeners still poll.
/// </summary>
internal sealed class NotifySender(NpgsqlDataSource dataSource, string statement, string payload, string schema, ILogger logger)
{
    /// <summary>Bounds the notification rate (and its cost to the server) under a stream of appends.</summary>
    internal static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);

    private const int Idle = 0;
    private const int Sending = 1;
    private const int SendingWithMoreToSend = 2;

    private int _state;
    private int _stopped;
    private bool _failing;
    private long _sent;

    /// <summary>Notifications sent so far (for tests).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Asks for a notification after an append that has committed; returns at once.</summary>
    public void Request()
    {
        while (Volatile.Read(ref _stopped) == 0)
        {
            var state = Volatile.Read(ref _state);
            if (state == SendingWithMoreToSend)
            {
                return; // the queued notification is sent after this append committed: it covers it
            }

            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
            {
                if (state == Idle)
                {
                    _ = Task.Run(SendAsync);
                }

                return;
            }
        }
    }

    /// <summary>Sends nothing more; a notification in flight finishes.</summary>
    public void Stop() => Volatile.Write(ref _stopped, 1);

    private async Task SendAsync()
    {
        while (true)
        {
            var startedAt = TimeProvider.System.GetTimestamp();
            await SendOnceAsync().ConfigureAwait(false);
            if (Interlocked.CompareExchange(ref _state, Idle, Sending) == Sending)
            {
                return;
            }

            // More appends committed while it was in flight: one more notification covers them all.
            Volatile.Write(ref _state, Sending);
            var wait = MinInterval - TimeProvider.System.GetElapsedTime(startedAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }
        }
    }

    private async Task SendOnceAsync()
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        try
        {
            var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var command = new NpgsqlCommand(statement, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = payload });
                await command.PrepareAsync().ConfigureAwait(false);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            Interlocked.Increment(ref _sent);
            _failing = false;
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the loop must go on (or it would never notify again), and
            // listeners poll: a lost notification delays delivery by at most their poll interval.
            if (!_failing)
            {
                _failing = true;
                logger.NotifyFailed(schema, ex);
            }
        }
    }
}
