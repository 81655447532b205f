namespace FraiseEvents.Subscriptions;

/// <summary>
/// A counter of "the log may have grown" signals that waiters can await. A waiter remembers the
/// generation it has seen and waits only while it is current, so a signal raised between a read and
/// the wait that follows it is never lost. Signalling allocates nothing unless someone waits.
/// </summary>
internal sealed class WakeUpSignal
{
    private readonly Lock _lock = new();
    private long _generation;
    private TaskCompletionSource? _next;

    /// <summary>How many signals there have been.</summary>
    public long Generation
    {
        get
        {
            lock (_lock)
            {
                return _generation;
            }
        }
    }

    /// <summary>Wakes every waiter; waiters that come later with an older generation return at once.</summary>
    public void Signal()
    {
        TaskCompletionSource? waiting;
        lock (_lock)
        {
            _generation++;
            waiting = _next;
            _next = null;
        }

        // Continuations run asynchronously: the signalling append (or listener) never runs a consumer's loop.
        waiting?.TrySetResult();
    }

    /// <summary>Completes at the first signal after <paramref name="seen"/>; already complete when there was one.</summary>
    public Task SignalledAfter(long seen)
    {
        lock (_lock)
        {
            return _generation != seen
                ? Task.CompletedTask
                : (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}
