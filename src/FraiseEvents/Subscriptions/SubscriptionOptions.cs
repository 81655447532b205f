using Microsoft.Extensions.Logging;

namespace FraiseEvents.Subscriptions;

/// <summary>How a <see cref="Subscription"/> reads the log, stores its checkpoint and handles failures.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>Where to start. <value>The default is <see cref="SubscriptionStart.Checkpoint"/>.</value></summary>
    public SubscriptionStart StartFrom { get; set; } = SubscriptionStart.Checkpoint;

    /// <summary>
    /// Stored event type names (<see cref="RecordedEvent.EventType"/>, for example <c>USER_CREATED</c>)
    /// to deliver; empty delivers every type. Filtered in SQL on PostgreSQL.
    /// </summary>
    public ICollection<string> EventTypes { get; } = new List<string>();

    /// <summary>
    /// Stream types (<see cref="AppendOptions.StreamType"/>) whose events to deliver; empty delivers
    /// every stream, including streams without a type. Filtered in SQL on PostgreSQL.
    /// </summary>
    public ICollection<string> StreamTypes { get; } = new List<string>();

    /// <summary>
    /// Streams whose events to deliver; empty delivers every stream. Filtered in SQL on PostgreSQL.
    /// An event is delivered when it passes every filter that is set (event type, stream type,
    /// stream id); the checkpoint moves past the others.
    /// </summary>
    public ICollection<StreamId> StreamIds { get; } = new List<StreamId>();

    /// <summary>
    /// Log a warning when the subscription has waited this long at the visible end of the log while
    /// committed events waited beyond it, held back by one open transaction (see
    /// <see cref="SubscriptionStatus.HoldUp"/>); once per holding transaction.
    /// <value>The default is 10 seconds.</value>
    /// </summary>
    public TimeSpan HoldUpWarningAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many events of the log one read covers, filtered out or not. <value>The default is 500.</value></summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Store the checkpoint after this many handled events. <value>The default is 100.</value>
    /// </summary>
    public int CheckpointAfterEvents { get; set; } = 100;

    /// <summary>
    /// Store the checkpoint when it has not been stored for this long and has moved (by handled or
    /// filtered-out events). <value>The default is 1 second.</value>
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long to wait before reading again once the visible end of the log is reached, unless
    /// woken sooner: appends through the same store instance wake the subscription at once, and on
    /// PostgreSQL so do other processes' appends (see docs/subscriptions.md, "Latency"). Polling is
    /// the fallback for wake-ups that are lost or never sent (appends through the SQL functions).
    /// <value>The default is 500 ms.</value>
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How many times a failed handler call (or a failed read or checkpoint write) is retried before
    /// the subscription stops as <see cref="SubscriptionState.Faulted"/>. <value>The default is 3 retries.</value>
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The wait before the first retry; it doubles with each retry, up to 30 seconds.
    /// <value>The default is 200 ms (then 400 ms, 800 ms).</value>
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock for checkpoint intervals, polling and retries; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Hold a lock per subscription name while delivering, so that of the instances of one name (in
    /// this process or others, on one store) one runs and the others stand by
    /// (<see cref="SubscriptionState.Standby"/>) and take over when it stops or its session ends. In
    /// PostgreSQL it is a session advisory lock on a connection of its own, like an async
    /// projection's. When false, instances are only fenced by the checkpoint's compare-and-set.
    /// <value>The default is true.</value>
    /// </summary>
    public bool ExclusiveLock { get; set; } = true;

    /// <summary>
    /// How often an instance standing by tries to take the lock, and the running one checks that it
    /// still holds it: the longest a subscription waits after its holder stops or dies.
    /// <value>The default is 2 seconds.</value>
    /// </summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Where the subscription logs start, stop, retries and faults; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>A copy, so that changing the options after a subscription is made does not change it.</summary>
    internal SubscriptionOptions Clone()
    {
        var copy = new SubscriptionOptions
        {
            StartFrom = StartFrom, BatchSize = BatchSize, CheckpointAfterEvents = CheckpointAfterEvents,
            CheckpointInterval = CheckpointInterval, PollInterval = PollInterval, MaxRetries = MaxRetries,
            RetryDelay = RetryDelay, TimeProvider = TimeProvider, LoggerFactory = LoggerFactory, HoldUpWarningAfter = HoldUpWarningAfter,
            ExclusiveLock = ExclusiveLock, LeaseRetryInterval = LeaseRetryInterval,
        };
        foreach (var type in EventTypes)
        {
            copy.EventTypes.Add(type);
        }

        foreach (var type in StreamTypes)
        {
            copy.StreamTypes.Add(type);
        }

        foreach (var id in StreamIds)
        {
            copy.StreamIds.Add(id);
        }

        return copy;
    }

    internal LogFilter Filter() => new(
        EventTypes.Count == 0 ? null : [.. EventTypes.Distinct(StringComparer.Ordinal)],
        StreamTypes.Count == 0 ? null : [.. StreamTypes.Distinct(StringComparer.Ordinal)],
        StreamIds.Count == 0 ? null : [.. StreamIds.Select(id => id.Value).Distinct()]);

    /// <summary>Throws, naming the setting, when one is out of range.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(StartFrom))
        {
            throw new ArgumentException($"SubscriptionOptions.StartFrom is {StartFrom}, which is not a SubscriptionStart.", nameof(StartFrom));
        }

        Require(BatchSize is >= 1 and <= 10_000, nameof(BatchSize), $"{BatchSize}; it must be 1 to 10000");
        Require(CheckpointAfterEvents >= 1, nameof(CheckpointAfterEvents), $"{CheckpointAfterEvents}; it must be at least 1");
        Require(CheckpointInterval > TimeSpan.Zero, nameof(CheckpointInterval), $"{CheckpointInterval}; it must be positive");
        Require(PollInterval > TimeSpan.Zero, nameof(PollInterval), $"{PollInterval}; it must be positive");
        Require(MaxRetries >= 0, nameof(MaxRetries), $"{MaxRetries}; it must be 0 or more");
        Require(HoldUpWarningAfter >= TimeSpan.Zero, nameof(HoldUpWarningAfter), $"{HoldUpWarningAfter}; it must not be negative");
        Require(RetryDelay >= TimeSpan.Zero, nameof(RetryDelay), $"{RetryDelay}; it must not be negative");
        Require(LeaseRetryInterval > TimeSpan.Zero, nameof(LeaseRetryInterval), $"{LeaseRetryInterval}; it must be positive");
        if (EventTypes.Any(string.IsNullOrWhiteSpace) || StreamTypes.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("SubscriptionOptions.EventTypes and StreamTypes must not contain null or blank names.");
        }

        if (StreamIds.Contains(default))
        {
            throw new ArgumentException("SubscriptionOptions.StreamIds must not contain default(StreamId), which names no stream.");
        }
    }

    private static void Require(bool valid, string setting, string problem)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(setting, $"SubscriptionOptions.{setting} is {problem}.");
        }
    }
}
