namespace FraiseEvents.Postgres;

/// <summary>
/// Natural write batching. An append that finds no other append of this store in flight is sent at
/// once, alone, so a single writer's latency does not change and no timer ever waits. Appends that
/// arrive while one is in flight queue up, and when it returns they are sent together: one round
/// trip, one transaction, each append still with its own outcome (a refusal is a status row that
/// wrote nothing, so it fails only its own append). If the shared transaction fails as a whole
/// (a database error that one append caused, a deadlock, no connection before anything was sent),
/// each append of the batch is sent again alone, so one bad append never fails another.
/// </summary>
internal sealed class AppendBatcher
{
    /// <summary>What a batch sent together brought back: an outcome per append, or a failure after the batch was sent (outcome unknown).</summary>
    internal readonly record struct BatchResult(PostgresEventStore.AppendOutcome[]? Outcomes, Exception? FailureAfterSending)
    {
        /// <summary>Nothing was committed and nothing is unknown: send each append alone.</summary>
        public static BatchResult SendEachAlone => default;
    }

    private readonly Func<PendingAppend, CancellationToken, Task<PostgresEventStore.AppendOutcome>> _sendAlone;
    private readonly Func<PendingAppend[], Task<BatchResult>> _sendTogether;
    private readonly Func<PendingAppend, Exception, Exception> _mapFailureAfterSending;
    private readonly Action<int> _recordBatch;
    private readonly int _maxAppends;
    private readonly long _maxBytes;
    private readonly Lock _lock = new();
    private readonly Queue<Waiting> _waiting = new();
    private bool _inFlight;

    public AppendBatcher(Func<PendingAppend, CancellationToken, Task<PostgresEventStore.AppendOutcome>> sendAlone,
        Func<PendingAppend[], Task<BatchResult>> sendTogether, Func<PendingAppend, Exception, Exception> mapFailureAfterSending, Action<int> recordBatch, int maxAppends, long maxBytes)
    {
        _recordBatch = recordBatch;
        _maxBytes = maxBytes;
        _sendAlone = sendAlone;
        _sendTogether = sendTogether;
        _mapFailureAfterSending = mapFailureAfterSending;
        _maxAppends = maxAppends;
    }

    /// <summary>The sizes of the batches sent together, for the benchmarks (a batch of one is an append sent alone).</summary>
    public Action<int>? BatchSent { get; set; }

    /// <summary>How many appends wait for the one in flight (cancelled ones included until a batch skips them).</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    public async Task<PostgresEventStore.AppendOutcome> SendAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        Waiting? waiting = null;
        lock (_lock)
        {
            if (_inFlight)
            {
                waiting = new Waiting(append);
                _waiting.Enqueue(waiting);
            }
            else
            {
                _inFlight = true;
            }
        }

        if (waiting is not null)
        {
            // Until it is taken into a batch, a queued append can still be cancelled: nothing was sent.
            await using var registration = cancellationToken.Register(() => waiting.TryCancel(cancellationToken)).ConfigureAwait(false);
            return await waiting.Completion.Task.ConfigureAwait(false);
        }

        try
        {
            Sent(1);
            return await _sendAlone(append, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            HandOver();
        }
    }

    /// <summary>Passes the turn to what queued meanwhile, or ends it.</summary>
    private void HandOver()
    {
        var next = TakeBatch();
        if (next is not null)
        {
            // Not awaited by the caller who handed over: its own append is done.
            _ = Task.Run(() => DrainAsync(next));
        }
    }

    private async Task DrainAsync(List<Waiting> batch)
    {
        for (var current = batch; current is not null; current = TakeBatch())
        {
            await SendBatchAsync(current).ConfigureAwait(false);
        }
    }

    /// <summary>The next batch in arrival order, or null (and the turn ends) when nothing waits.</summary>
    private List<Waiting>? TakeBatch()
    {
        lock (_lock)
        {
            List<Waiting>? batch = null;
            long bytes = 0;
            while (_waiting.Count > 0 && (batch?.Count ?? 0) < _maxAppends
                   && (batch is null || bytes + _waiting.Peek().Append.Bytes <= _maxBytes))
            {
                var waiting = _waiting.Dequeue();
                if (waiting.TryTake())
                {
                    (batch ??= []).Add(waiting);
                    bytes += waiting.Append.Bytes;
                }
            }

            if (batch is null)
            {
                _inFlight = false;
            }

            return batch;
        }
    }

    private async Task SendBatchAsync(List<Waiting> batch)
    {
        Sent(batch.Count);
        if (batch.Count == 1)
        {
            await SendAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }

        BatchResult result;
        try
        {
            result = await _sendTogether([.. batch.Select(w => w.Append)]).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            result = new BatchResult(null, ex);
        }

        if (result.Outcomes is { } outcomes)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(outcomes[i]);
            }
        }
        else if (result.FailureAfterSending is { } failure)
        {
            foreach (var waiting in batch)
            {
                waiting.Completion.TrySetException(_mapFailureAfterSending(waiting.Append, failure));
            }
        }
        else
        {
            await Task.WhenAll(batch.Select(SendAloneAsync)).ConfigureAwait(false);
        }
    }

    private async Task SendAloneAsync(Waiting waiting)
    {
        try
        {
            waiting.Completion.TrySetResult(await _sendAlone(waiting.Append, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            waiting.Completion.TrySetException(ex);
        }
    }

    private void Sent(int appends)
    {
        _recordBatch(appends);
        BatchSent?.Invoke(appends);
    }

    private sealed class Waiting(PendingAppend append)
    {
        private int _state; // 0 queued, 1 taken into a batch, 2 cancelled

        public PendingAppend Append { get; } = append;

        public TaskCompletionSource<PostgresEventStore.AppendOutcome> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public void TryCancel(CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
            {
                Completion.TrySetCanceled(cancellationToken);
            }
        }
    }
}
