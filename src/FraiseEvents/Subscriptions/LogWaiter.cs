namespace FraiseEvents.Subscriptions;

/// <summary>
/// One consumer's wait for the log to grow (see <see cref="ILogWakeUp"/>): it remembers the last
/// signal it returned for, so a signal raised while the consumer was reading makes the next wait
/// return at once. Without a signal (a store that has none) it is a plain delay.
/// </summary>
internal sealed class LogWaiter : IDisposable
{
    private readonly WakeUpSignal? _signal;
    private readonly Action? _firstWait;
    private readonly Action? _release;
    private long _seen;
    private int _waited;
    private int _disposed;

    /// <param name="signal">What wakes it; null for a waiter that only waits for the time given.</param>
    /// <param name="firstWait">Called at the first wait (a listener starts lazily).</param>
    /// <param name="release">Called once at dispose, when <paramref name="firstWait"/> was called.</param>
    public LogWaiter(WakeUpSignal? signal, Action? firstWait = null, Action? release = null)
    {
        _signal = signal;
        _firstWait = firstWait;
        _release = release;
        _seen = signal?.Generation ?? 0;
    }

    /// <summary>
    /// Waits until the log is signalled (true) or <paramref name="maxWait"/> has passed on
    /// <paramref name="time"/> (false); returns true at once when a signal came since the last wait.
    /// </summary>
    public async ValueTask<bool> WaitAsync(TimeSpan maxWait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_signal is null)
        {
            await Task.Delay(maxWait, time, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (Interlocked.Exchange(ref _waited, 1) == 0)
        {
            _firstWait?.Invoke();
        }

        var signalled = _signal.SignalledAfter(_seen);
        if (!signalled.IsCompleted)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(maxWait, time, timer.Token);
            var first = await Task.WhenAny(signalled, delay).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false); // frees the timer when the signal won
            cancellationToken.ThrowIfCancellationRequested();
            if (first != signalled)
            {
                return false;
            }
        }

        // What the consumer reads next covers every signal up to here; a later one wakes the next wait.
        _seen = _signal.Generation;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _waited) == 1)
        {
            _release?.Invoke();
        }
    }
}
