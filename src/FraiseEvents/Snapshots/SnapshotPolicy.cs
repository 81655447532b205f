namespace FraiseEvents.Snapshots;

/// <summary>When an aggregate's repository writes a snapshot, and how many it keeps.</summary>
public sealed class SnapshotPolicy
{
    private readonly Func<SnapshotDecision, bool> _shouldSnapshot;

    private SnapshotPolicy(Func<SnapshotDecision, bool> shouldSnapshot, SnapshotMode mode, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown snapshot mode.");
        }

        _shouldSnapshot = shouldSnapshot;
        Mode = mode;
        Keep = keep;
    }

    /// <summary>Never write snapshots (loads replay every event). The default.</summary>
    public static SnapshotPolicy Never { get; } = new(static _ => false, SnapshotMode.Inline, SnapshotWrite.DefaultKeep);

    /// <summary>When a snapshot is written.</summary>
    public SnapshotMode Mode { get; }

    /// <summary>How many of a stream's newest snapshots are kept. The default is 5.</summary>
    public int Keep { get; }

    /// <summary>
    /// A snapshot whenever a save crosses a multiple of <paramref name="events"/> (versions 100,
    /// 200, ... for 100), also when one save appends several events at once.
    /// </summary>
    public static SnapshotPolicy Every(int events, SnapshotMode mode = SnapshotMode.Inline, int keep = SnapshotWrite.DefaultKeep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        return new SnapshotPolicy(d => d.PreviousVersion.Value / events < d.NewVersion.Value / events, mode, keep);
    }

    /// <summary>A snapshot whenever <paramref name="shouldSnapshot"/> says so, after each save.</summary>
    public static SnapshotPolicy When(Func<SnapshotDecision, bool> shouldSnapshot, SnapshotMode mode = SnapshotMode.Inline,
        int keep = SnapshotWrite.DefaultKeep)
    {
        ArgumentNullException.ThrowIfNull(shouldSnapshot);
        return new SnapshotPolicy(shouldSnapshot, mode, keep);
    }

    internal bool IsNever => ReferenceEquals(this, Never);

    internal bool ShouldSnapshot(SnapshotDecision decision) => _shouldSnapshot(decision);
}
