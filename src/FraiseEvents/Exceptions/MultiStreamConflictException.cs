namespace FraiseEvents;

/// <summary>
/// <see cref="IEventStore.AppendToStreamsAsync"/> was refused because some streams were not as
/// expected: nothing was written to any stream. <see cref="Conflicts"/> names each of them with
/// its own <see cref="WrongExpectedVersionException"/> or <see cref="IdempotencyConflictException"/>.
/// A <see cref="ConcurrencyException"/>, so one catch-reload-retry loop handles it with the others.
/// </summary>
public sealed class MultiStreamConflictException : ConcurrencyException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="streamCount">How many streams the call named.</param>
    /// <param name="conflicts">One exception per stream that did not match, at least one.</param>
    public MultiStreamConflictException(int streamCount, IReadOnlyList<ConcurrencyException> conflicts)
        : base(First(conflicts).StreamId,
            $"The append to {streamCount} streams was refused, and nothing was written to any of them: {conflicts.Count} did not match. "
            + string.Join(" ", conflicts.Select(c => c.Message)))
    {
        Conflicts = conflicts;
    }

    /// <summary>The streams that did not match, each with its own exception, in the order the call named them.</summary>
    public IReadOnlyList<ConcurrencyException> Conflicts { get; }

    private static ConcurrencyException First(IReadOnlyList<ConcurrencyException> conflicts)
    {
        ArgumentNullException.ThrowIfNull(conflicts);
        return conflicts.Count > 0 ? conflicts[0] : throw new ArgumentException("At least one conflict is needed.", nameof(conflicts));
    }
}
