using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraiseEvents.Projections;

/// <summary>
/// Runs a store's async projections (<see cref="ProjectionLifecycle.Async"/>) from the global log, in
/// the background. Each projection reads the log with the store's gap-safe read, after its own
/// checkpoint (<c>projection:&lt;name&gt;</c>), in batches of <see cref="ProjectionDaemonOptions.BatchSize"/>
/// events; a batch's documents (or SQL statements) and the checkpoint's compare-and-set commit in one
/// transaction, so every event takes effect exactly once whatever crashes. One daemon at a time runs a
/// projection: in PostgreSQL it holds a session advisory lock per projection, and the others stand by
/// and take over when it stops or its session ends. A projection that keeps failing stops as
/// <see cref="ProjectionState.Faulted"/> while the others go on. Run it with <see cref="StartAsync"/>
/// and <see cref="StopAsync"/>, or as the hosted service dependency injection registers.
/// See docs/async-projections.md for what is guaranteed.
/// </summary>
public sealed partial class ProjectionDaemon : IHostedService, IAsyncDisposable
{
    private readonly IAsyncProjectionStore _store;
    private readonly ProjectionDaemonOptions _options;
    private readonly TimeProvider _time;
    private readonly ProjectionRunner[] _runners;
    private readonly SemaphoreSlim _startStop = new(1, 1);
    private bool _started;
    private int _disposed;

    /// <summary>Creates a stopped daemon for the async projections registered with <paramref name="store"/>.</summary>
    /// <param name="store">A FraiseEvents store (PostgreSQL or in-memory): the projections are the ones its options registered as <see cref="ProjectionLifecycle.Async"/>.</param>
    /// <param name="options">Batch size, polling, retries and lock attempts; the defaults when null. Copied here.</param>
    /// <exception cref="ArgumentException">The store cannot run async projections, or an option is out of range.</exception>
    public ProjectionDaemon(IEventStore store, ProjectionDaemonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store as IAsyncProjectionStore ?? throw new ArgumentException(
            $"{store.GetType().Name} cannot run async projections: pass the FraiseEvents store itself (PostgresEventStore or InMemoryEventStore).",
            nameof(store));
        _options = (options ?? new ProjectionDaemonOptions()).Clone();
        _options.Validate();
        _time = _options.TimeProvider ?? TimeProvider.System;
        var logger = _options.LoggerFactory?.CreateLogger<ProjectionDaemon>() ?? (ILogger)NullLogger<ProjectionDaemon>.Instance;
        _runners = [.. _store.Projections.Async.Select(p => new ProjectionRunner(_store, p, _options, _time, logger))];
    }

    /// <summary>Where each async projection is, in registration order; empty when the store has none.</summary>
    public IReadOnlyList<ProjectionStatus> Statuses => [.. _runners.Select(r => r.Status)];

    /// <summary>Where one async projection is, as this daemon sees it.</summary>
    /// <param name="projectionName">The projection's name.</param>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    public ProjectionStatus GetStatus(string projectionName) => Find(projectionName).Status;

    /// <summary>
    /// Starts running every async projection in the background (each first takes its lock, then
    /// continues after its stored checkpoint). Returns at once; with no async projection it does nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The daemon is already started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _startStop.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_started)
            {
                throw new InvalidOperationException("The projection daemon is already started.");
            }

            foreach (var runner in _runners)
            {
                runner.Start();
            }

            _started = true;
        }
        finally
        {
            _startStop.Release();
        }
    }

    /// <summary>
    /// Stops gracefully: each projection's batch in flight commits (with its checkpoint), nothing more
    /// is read, and the locks are released so that another daemon takes over. When
    /// <paramref name="cancellationToken"/> is cancelled (a host's shutdown time-out) the batches in
    /// flight are cancelled instead, and rolled back: the next start applies them again, once.
    /// Does nothing when not started.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _startStop.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_runners.Select(r => r.StopAsync(cancellationToken))).ConfigureAwait(false);
            _started = false;
        }
        finally
        {
            _startStop.Release();
        }
    }

    /// <summary>
    /// Runs a projection again after it faulted, from its stored checkpoint (before the event it failed
    /// on). Does nothing when it is running.
    /// </summary>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    /// <exception cref="InvalidOperationException">The daemon is not started.</exception>
    public async Task ResumeAsync(string projectionName, CancellationToken cancellationToken = default)
    {
        var runner = Find(projectionName);
        await _startStop.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_started)
            {
                throw new InvalidOperationException($"The projection daemon is not started: StartAsync runs '{projectionName}' with the others.");
            }

            // A faulted run may still be releasing its lock: wait for it to end, then start again.
            if (!runner.IsRunning || runner.Status.State == ProjectionState.Faulted)
            {
                await runner.StopAsync(cancellationToken).ConfigureAwait(false);
                runner.Start();
            }
        }
        finally
        {
            _startStop.Release();
        }
    }

    /// <summary>
    /// Read-your-writes: returns once the projection has applied the log up to <paramref name="position"/>
    /// (an append's <see cref="AppendResult.LogPosition"/>), so that its read model shows that append.
    /// Works whichever daemon runs the projection: when this one does not, it reads the stored checkpoint.
    /// </summary>
    /// <param name="projectionName">The async projection to wait for.</param>
    /// <param name="position">The position it must have applied.</param>
    /// <param name="timeout">How long to wait at most; <see cref="Timeout.InfiniteTimeSpan"/> waits until it gets there or <paramref name="cancellationToken"/> is cancelled.</param>
    /// <param name="cancellationToken">Cancels the wait (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    /// <exception cref="ProjectionWaitTimeoutException">
    /// It had not got there within <paramref name="timeout"/>, or it is faulted: names how far it got.
    /// </exception>
    public async Task WaitForProjectionAsync(string projectionName, LogPosition position, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var runner = Find(projectionName);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The time-out must not be negative (or Timeout.InfiniteTimeSpan).");
        }

        using var deadline = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var reached = runner.Status.Position;
        while (true)
        {
            var changed = runner.Changed;
            var status = runner.Status;
            if (status.Position > reached)
            {
                reached = status.Position;
            }

            if (reached >= position)
            {
                return;
            }

            if (status.State == ProjectionState.Faulted)
            {
                throw new ProjectionWaitTimeoutException(projectionName, reached, position, timeout, status.Fault);
            }

            try
            {
                if (status.State is ProjectionState.Standby or ProjectionState.Stopped)
                {
                    // Another daemon runs it: its progress is the stored checkpoint.
                    var stored = await _store.ReadCheckpointAsync(runner.CheckpointName, wait.Token).ConfigureAwait(false) ?? LogPosition.Start;
                    if (stored > reached)
                    {
                        reached = stored;
                        continue;
                    }

                    await changed.WaitAsync(_options.PollInterval, _time, wait.Token).ConfigureAwait(false);
                }
                else
                {
                    await changed.WaitAsync(wait.Token).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                // Poll the stored checkpoint again.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                throw new ProjectionWaitTimeoutException(projectionName, reached, position, timeout, fault: null);
            }
        }
    }

    /// <summary>Stops gracefully (see <see cref="StopAsync"/>). Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    private ProjectionRunner Find(string projectionName)
    {
        ArgumentNullException.ThrowIfNull(projectionName);
        return Array.Find(_runners, r => r.Name == projectionName) ?? throw new ArgumentException(
            $"The store has no async projection named '{projectionName}'"
            + (_runners.Length == 0 ? " (it has none)." : $"; it has {string.Join(", ", _runners.Select(r => r.Name))}."), nameof(projectionName));
    }
}
