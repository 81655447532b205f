namespace FraiseEvents.Projections;

/// <summary>Where a rebuild of an async projection is (<see cref="RebuildStatus.State"/>).</summary>
public enum RebuildState
{
    /// <summary>Folding the log from its start into the shadow; readers still see the old read model.</summary>
    Building = 0,

    /// <summary>Caught up: the last events go into the shadow while the live projection pauses, then the swap commits.</summary>
    Swapping = 1,

    /// <summary>Swapped in: readers see the rebuilt read model, and the projection runs on from the rebuild's position.</summary>
    Completed = 2,

    /// <summary>Cancelled before the swap: the shadow is dropped and the live projection is as it was.</summary>
    Cancelled = 3,

    /// <summary>Failed before the swap (see <see cref="RebuildStatus.Error"/>): the shadow is dropped and the live projection is as it was.</summary>
    Failed = 4,
}
