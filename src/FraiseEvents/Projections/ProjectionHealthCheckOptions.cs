namespace FraiseEvents.Projections;

/// <summary>When <see cref="ProjectionHealthCheck"/> reports a projection or subscription as degraded.</summary>
public sealed class ProjectionHealthCheckOptions
{
    /// <summary>
    /// Degraded when one is more than this many events behind the head of the log (its status'
    /// <c>EventsBehind</c>); null never checks it. <value>The default is 10 000 events.</value>
    /// </summary>
    public long? MaxEventsBehind { get; set; } = 10_000;

    /// <summary>
    /// Degraded when the oldest event one has not read yet was appended longer ago than this (its
    /// status' <c>TimeBehind</c>); null never checks it. <value>The default is 1 minute.</value>
    /// </summary>
    public TimeSpan? MaxTimeBehind { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Degraded when an open transaction has held the log back (its status' <c>HoldUp</c>) for longer
    /// than this, by the transaction's age (or, when the store may not see it, by how late the
    /// consumer is); null never checks it. <value>The default is 30 seconds.</value>
    /// </summary>
    public TimeSpan? MaxHoldUp { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A copy, so that changing the options after the check is made does not change it.</summary>
    internal ProjectionHealthCheckOptions Clone() => (ProjectionHealthCheckOptions)MemberwiseClone();

    /// <summary>Throws, naming the setting, when one is out of range.</summary>
    internal void Validate()
    {
        if (MaxEventsBehind is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventsBehind), $"ProjectionHealthCheckOptions.MaxEventsBehind is {MaxEventsBehind}; it must not be negative.");
        }

        if (MaxTimeBehind is { } time && time < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTimeBehind), $"ProjectionHealthCheckOptions.MaxTimeBehind is {time}; it must not be negative.");
        }

        if (MaxHoldUp is { } holdUp && holdUp < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxHoldUp), $"ProjectionHealthCheckOptions.MaxHoldUp is {holdUp}; it must not be negative.");
        }
    }
}
