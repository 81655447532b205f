using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraiseEvents.Subscriptions;

/// <summary>
/// Delivers the events of the global log to a handler, at least once and in log order, for side
/// effects (emails, messages to a broker, calls to other services). It reads with the store's
/// gap-safe read, so an event committed late is delivered rather than skipped; it stores its
/// checkpoint (by compare-and-set, under its name) after the handler, every
/// <see cref="SubscriptionOptions.CheckpointAfterEvents"/> events or
/// <see cref="SubscriptionOptions.CheckpointInterval"/>, and when it stops. Catching up and live
/// delivery are the same loop: when a read comes back short it waits to be woken by an append
/// (of this store instance, or on PostgreSQL of any process), or for
/// <see cref="SubscriptionOptions.PollInterval"/>, whichever comes first. Run it with <see cref="StartAsync"/> and
/// <see cref="StopAsync"/>, or as a hosted service (<see cref="EventStoreBuilder.AddSubscription{THandler}"/>).
/// See docs/subscriptions.md for what is guaranteed.
/// </summary>
public sealed partial class Subscription : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly ICheckpointStore _checkpoints;
    private readonly ILogPageReader _reader;
    private readonly ILogWakeUp? _wakeUp;
    private readonly ILogHeadReader? _heads;
    private readonly Func<RecordedEvent, CancellationToken, ValueTask> _handler;
    private readonly SubscriptionOptions _options;
    private readonly LogFilter _filter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _startStop = new(1, 1);
    private Run? _run;
    private int _disposed;
    private volatile SubscriptionStatus _status = new(SubscriptionState.Stopped, LogPosition.Start, LogPosition.Start, 0, null);

    /// <summary>Creates a stopped subscription.</summary>
    /// <param name="name">Its checkpoint's name: 1 to 200 characters. Run one instance per name.</param>
    /// <param name="store">The store to read; it must keep checkpoints (<see cref="ICheckpointStore"/>), as both FraiseEvents stores do.</param>
    /// <param name="handler">Called once per event, in log order; a throw is retried (see <see cref="SubscriptionOptions.MaxRetries"/>).</param>
    /// <param name="options">Start position, filters, checkpoint cadence, polling and retries; the defaults when null. Copied here.</param>
    /// <exception cref="ArgumentException">
    /// The name is not valid, the store keeps no checkpoints, an option is out of range, or stream
    /// types are filtered on a store that cannot read them.
    /// </exception>
    public Subscription(string name, IEventStore store, Func<RecordedEvent, CancellationToken, ValueTask> handler,
        SubscriptionOptions? options = null)
    {
        ConsumerNames.Validate(name, nameof(name));
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(handler);
        _options = (options ?? new SubscriptionOptions()).Clone();
        _options.Validate();
        Name = name;
        _checkpoints = store as ICheckpointStore ?? throw new ArgumentException(
            $"A subscription stores its checkpoint in its store, and {store.GetType().Name} does not implement ICheckpointStore.", nameof(store));
        _filter = _options.Filter();
        _reader = store as ILogPageReader ?? new ReadAllPageReader(store);
        if (_reader is ReadAllPageReader && _filter.StreamTypes is not null)
        {
            throw new ArgumentException(
                $"{store.GetType().Name} cannot filter the log by stream type; subscribe to the FraiseEvents store itself.", nameof(options));
        }

        _wakeUp = store as ILogWakeUp;
        _heads = store as ILogHeadReader;
        AttachMetrics(store);
        AttachLeadership(store);
        _handler = handler;
        _time = _options.TimeProvider ?? TimeProvider.System;
        _logger = _options.LoggerFactory?.CreateLogger<Subscription>() ?? NullLogger<Subscription>.Instance;
    }

    /// <summary>The subscription's name, which is also its checkpoint's.</summary>
    public string Name { get; }

    /// <summary>Where the subscription is and what it is doing; a new snapshot after every event.</summary>
    public SubscriptionStatus Status => _status;

    /// <summary>
    /// Reads the stored checkpoint, decides where to start (<see cref="SubscriptionOptions.StartFrom"/>;
    /// with <see cref="SubscriptionStart.Beginning"/> or <see cref="SubscriptionStart.Now"/> the new
    /// position is stored at once) and starts delivering in the background. Returns once the
    /// starting position is fixed: with <see cref="SubscriptionStart.Now"/>, every event that becomes
    /// visible in the log after this returns is delivered. Starting a faulted or stopped subscription
    /// again resumes after its stored checkpoint (with the default start).
    /// </summary>
    /// <exception cref="InvalidOperationException">It is already running, or its checkpoint moved while it started.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _startStop.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_run is { Loop.IsCompleted: false })
            {
                throw new InvalidOperationException($"Subscription '{Name}' is already running.");
            }

            var lease = await TryLeadAsync(cancellationToken).ConfigureAwait(false);
            if (_leases is not null && lease is null)
            {
                StandBy();
                return;
            }

            var leaseOnFailure = new LeaseGuard(lease);
            await using var releaseOnFailure = leaseOnFailure.ConfigureAwait(false);
            var stored = await _checkpoints.ReadCheckpointAsync(Name, cancellationToken).ConfigureAwait(false) ?? LogPosition.Start;
            var position = _options.StartFrom switch
            {
                SubscriptionStart.Beginning => LogPosition.Start,
                SubscriptionStart.Now => await _reader.ReadLogEndAsync(cancellationToken).ConfigureAwait(false),
                _ => stored,
            };
            if (position != stored)
            {
                if (!await _checkpoints.CompareAndSetCheckpointAsync(Name, stored, position, cancellationToken).ConfigureAwait(false))
                {
                    throw new CheckpointMovedException(Name, stored);
                }

                stored = position;
            }

            _status = new SubscriptionStatus(SubscriptionState.CatchingUp, position, stored, 0, null);
            _logger.Started(Name, position);
            _run?.Dispose(); // a run that ended by itself (faulted) and was never stopped
            var run = new Run();
            var held = lease is null ? null : leaseOnFailure.Hand();
            run.Loop = Task.Run(() => held is null ? RunAsync(run, position, stored) : LeadAsync(run, held, position, stored), CancellationToken.None);
            _run = run;
            RegisterGauges();
        }
        finally
        {
            _startStop.Release();
        }
    }

    /// <summary>
    /// Stops gracefully: the event being handled is finished, the checkpoint is stored after it,
    /// and no further event is started. When <paramref name="cancellationToken"/> is cancelled (a
    /// host's shutdown time-out) the handler's token is cancelled too and nothing more is stored:
    /// the next start resumes after the last stored checkpoint. Does nothing when not running.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _startStop.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_run is not { } run)
            {
                return;
            }

            await run.Stopping.CancelAsync().ConfigureAwait(false);
            using (cancellationToken.Register(static state => ((Run)state!).Abort.Cancel(), run))
            {
                await run.Loop.ConfigureAwait(false);
            }

            run.Dispose();
            _run = null;
            UnregisterGauges();
        }
        finally
        {
            _startStop.Release();
        }
    }

    /// <summary>Stops gracefully (see <see cref="StopAsync"/>). Safe to call more than once.</summary>
    /// <remarks>
    /// A container that registers the subscription both as itself and as a hosted service disposes
    /// it twice. The semaphore is not disposed: it never allocates a wait handle, and a stop racing
    /// a dispose must not fail.
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    private void Publish(SubscriptionState state, LogPosition position, LogPosition checkpoint, long handled, SubscriptionFault? fault = null,
        SubscriptionLag? lag = null) =>
        _status = new SubscriptionStatus(state, position, checkpoint, handled, fault, lag);

    private TimeSpan RetryDelay(int attempt)
    {
        var delay = _options.RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    /// <summary>One start-to-stop of the subscription: the stop signals its loop reads, and its loop.</summary>
    private sealed class Run : IDisposable
    {
        public Run() => StopOrAbort = CancellationTokenSource.CreateLinkedTokenSource(Stopping.Token, Abort.Token);

        /// <summary>Graceful stop: finish the current event, store the checkpoint, read nothing more.</summary>
        public CancellationTokenSource Stopping { get; } = new();

        /// <summary>Forced stop: the handler's token, and every read and write.</summary>
        public CancellationTokenSource Abort { get; } = new();

        /// <summary>Cancels reads and waits between polls or retries on either kind of stop.</summary>
        public CancellationTokenSource StopOrAbort { get; }

        public Task Loop { get; set; } = Task.CompletedTask;

        public void Dispose()
        {
            StopOrAbort.Dispose();
            Stopping.Dispose();
            Abort.Dispose();
        }
    }
}
