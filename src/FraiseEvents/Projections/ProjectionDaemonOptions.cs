using Microsoft.Extensions.Logging;

namespace FraiseEvents.Projections;

/// <summary>How a <see cref="ProjectionDaemon"/> reads the log, retries and contends for projections.</summary>
public sealed class ProjectionDaemonOptions
{
    /// <summary>
    /// How many events of the log one batch covers, handled by the projection or not; a batch commits
    /// in one transaction with the checkpoint. <value>The default is 500.</value>
    /// </summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long to wait before reading again once the visible end of the log is reached. After a full
    /// batch the next one is read at once. <value>The default is 500 ms.</value>
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How many times a failing batch (a projection that throws, a statement that fails, an event that
    /// cannot be read, the database) is retried before that projection stops as
    /// <see cref="ProjectionState.Faulted"/> (or, for an event, its <see cref="FailurePolicies"/> entry sets it aside).
    /// <value>The default is 3 retries.</value>
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The wait before the first retry; it doubles with each retry, up to 30 seconds.
    /// <value>The default is 200 ms (then 400 ms, 800 ms).</value>
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often a daemon that does not hold a projection's lock (another daemon runs it) tries to take
    /// it: the longest a projection waits after its holder stops or dies. <value>The default is 2 seconds.</value>
    /// </summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether the daemons of one store share its async projections evenly: each daemon counts the live
    /// daemons of the store every <see cref="LeaseRetryInterval"/>, takes a projection's lock only while it
    /// runs fewer than ceil(projections / live daemons), and gives up the surplus (after the batch in
    /// flight) when it runs more, so that the others take it. When false, every daemon contends for every
    /// projection and the first one started runs them all. Either way one daemon at a time runs a
    /// projection. <value>The default is true.</value>
    /// </summary>
    public bool SpreadProjections { get; set; } = true;

    /// <summary>
    /// Log a warning (event id 5060) when a projection has waited this long at the visible end of the
    /// log while committed events waited beyond it, held back by one open transaction (see
    /// <see cref="ProjectionStatus.HoldUp"/>); once per holding transaction.
    /// <value>The default is 10 seconds.</value>
    /// </summary>
    public TimeSpan HoldUpWarningAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// What each projection, by name, does with an event it still fails on after <see cref="MaxRetries"/>.
    /// <value>The default is empty: every projection uses <see cref="ProjectionFailurePolicy.Pause"/>.</value>
    /// </summary>
    public IDictionary<string, ProjectionFailurePolicy> FailurePolicies => _failurePolicies;

    private Dictionary<string, ProjectionFailurePolicy> _failurePolicies = new(StringComparer.Ordinal);

    /// <summary>The clock for polling, retries and waits; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Where the daemon logs starts, stops, retries, take-overs and faults; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>A copy, so that changing the options after a daemon is made does not change it.</summary>
    internal ProjectionDaemonOptions Clone()
    {
        var copy = (ProjectionDaemonOptions)MemberwiseClone();
        copy._failurePolicies = new(_failurePolicies, StringComparer.Ordinal);
        return copy;
    }

    /// <summary>Throws, naming the setting, when one is out of range.</summary>
    internal void Validate()
    {
        Require(BatchSize is >= 1 and <= 10_000, nameof(BatchSize), $"{BatchSize}; it must be 1 to 10000");
        Require(PollInterval > TimeSpan.Zero, nameof(PollInterval), $"{PollInterval}; it must be positive");
        Require(MaxRetries >= 0, nameof(MaxRetries), $"{MaxRetries}; it must be 0 or more");
        Require(RetryDelay >= TimeSpan.Zero, nameof(RetryDelay), $"{RetryDelay}; it must not be negative");
        Require(HoldUpWarningAfter >= TimeSpan.Zero, nameof(HoldUpWarningAfter), $"{HoldUpWarningAfter}; it must not be negative");
        Require(LeaseRetryInterval > TimeSpan.Zero, nameof(LeaseRetryInterval), $"{LeaseRetryInterval}; it must be positive");
    }

    private static void Require(bool valid, string setting, string problem)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(setting, $"ProjectionDaemonOptions.{setting} is {problem}.");
        }
    }
}
