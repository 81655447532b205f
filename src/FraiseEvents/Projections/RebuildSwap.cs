namespace FraiseEvents.Projections;

/// <summary>
/// The last step of a rebuild, handed to the projection's runner so that it runs between two of the
/// runner's batches: given the live checkpoint (which cannot move meanwhile), it catches the shadow
/// up and swaps it in, and returns the live checkpoint after the swap.
/// </summary>
internal sealed class RebuildSwap(Func<LogPosition, CancellationToken, Task<LogPosition>> swap, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<LogPosition> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The live position after the swap, or the swap's failure (cancellation included).</summary>
    public Task<LogPosition> Done => _done.Task;

    /// <summary>Runs the swap; never throws: a failure goes to <see cref="Done"/> and the live projection goes on from <paramref name="live"/>.</summary>
    public async Task<LogPosition> RunAsync(LogPosition live, CancellationToken runnerToken)
    {
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(runnerToken, cancellationToken);
            var swapped = await swap(live, both.Token).ConfigureAwait(false);
            _done.TrySetResult(swapped);
            return swapped;
        }
        catch (OperationCanceledException ex)
        {
            _done.TrySetCanceled(ex.CancellationToken);
            return live;
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
            return live;
        }
    }
}
