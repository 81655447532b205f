using FraiseEvents.Subscriptions;

namespace FraiseEvents.Projections;

/// <summary>
/// A rebuild's swap, run by the runner between two batches: while it runs, the runner commits nothing,
/// so the live checkpoint stays where the swap found it, and after it the runner goes on from the
/// rebuilt position, on the new documents.
/// </summary>
internal sealed partial class ProjectionRunner
{
    private RebuildSwap? _pendingSwap;
    private TaskCompletionSource _swapRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IProjection Projection => _projection;

    /// <summary>Hands <paramref name="swap"/> to the loop, which runs it once it holds the projection's lock.</summary>
    public void RequestSwap(RebuildSwap swap)
    {
        Volatile.Write(ref _pendingSwap, swap);
        Volatile.Read(ref _swapRequested).TrySetResult();
    }

    /// <summary>Takes back a swap the loop has not started; false when it has (then wait for <see cref="RebuildSwap.Done"/>).</summary>
    public bool WithdrawSwap(RebuildSwap swap) => ReferenceEquals(Interlocked.CompareExchange(ref _pendingSwap, null, swap), swap);

    /// <summary>Runs a requested swap, if any; returns the live position to go on from.</summary>
    private async Task<LogPosition> SwapIfRequestedAsync(LogPosition position, Run run)
    {
        Volatile.Write(ref _swapRequested, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Interlocked.Exchange(ref _pendingSwap, null) is not { } swap)
        {
            return position;
        }

        return await swap.RunAsync(position, run.StopOrAbort.Token).ConfigureAwait(false);
    }

    /// <summary>The loop's wait for the log, which a requested swap also ends (true, as a wake-up does).</summary>
    private async Task<bool> WaitForLogOrSwapAsync(LogWaiter waiter, TimeSpan maxWait, Run run)
    {
        var requested = Volatile.Read(ref _swapRequested).Task;
        if (Volatile.Read(ref _pendingSwap) is not null)
        {
            return true;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(run.StopOrAbort.Token);
        var waiting = waiter.WaitAsync(maxWait, _time, wait.Token).AsTask();
        if (await Task.WhenAny(waiting, requested).ConfigureAwait(false) == waiting)
        {
            return await waiting.ConfigureAwait(false);
        }

        await wait.CancelAsync().ConfigureAwait(false);
        try
        {
            await waiting.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!run.StopOrAbort.IsCancellationRequested)
        {
            // Ended by the swap's request.
        }

        return true;
    }
}
