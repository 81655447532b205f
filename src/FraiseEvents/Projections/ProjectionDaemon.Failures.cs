namespace FraiseEvents.Projections;

/// <summary>The events set aside by the failure policies (<see cref="ProjectionFailurePolicy"/>): listing and replaying them.</summary>
public sealed partial class ProjectionDaemon
{
    /// <summary>
    /// The events the projection set aside (dead letters, and parked events with their key), in log
    /// order, with the error each failed with.
    /// </summary>
    /// <param name="projectionName">The async projection.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    public async Task<IReadOnlyList<ProjectionDeadLetter>> GetDeadLettersAsync(string projectionName, CancellationToken cancellationToken = default)
    {
        Find(projectionName);
        return await DeadLetters.ReadDeadLettersAsync(projectionName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After the fix: applies the projection's dead letters through it, in log order, each in one
    /// transaction with its removal from the record. One that fails again stays recorded. The projection
    /// is paused meanwhile (this daemon stops it, takes its lock, and runs it again after).
    /// </summary>
    /// <param name="projectionName">The async projection.</param>
    /// <param name="cancellationToken">Cancels the replay between events; those replayed stay applied.</param>
    /// <returns>How many were applied (and removed).</returns>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    /// <exception cref="InvalidOperationException">Another daemon runs the projection: replay there, or stop it first.</exception>
    public Task<int> ReplayDeadLettersAsync(string projectionName, CancellationToken cancellationToken = default) =>
        ReplayAsync(projectionName, e => !e.IsParked, cancellationToken);

    /// <summary>
    /// After the fix: applies the parked events of one key (or of every key when <paramref name="key"/>
    /// is null) through the projection, in log order, each in one transaction with its removal from the
    /// record; a key whose events all applied is unparked. When one fails again, it and the later events
    /// of its key stay parked. The projection is paused meanwhile, as for <see cref="ReplayDeadLettersAsync"/>.
    /// </summary>
    /// <param name="projectionName">The async projection.</param>
    /// <param name="key">The parked key (<see cref="ProjectionDeadLetter.ParkedKey"/>); null for all. The default is null.</param>
    /// <param name="cancellationToken">Cancels the replay between events; those replayed stay applied.</param>
    /// <returns>How many were applied (and removed).</returns>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    /// <exception cref="InvalidOperationException">Another daemon runs the projection: replay there, or stop it first.</exception>
    public Task<int> ReplayParkedAsync(string projectionName, string? key = null, CancellationToken cancellationToken = default) =>
        ReplayAsync(projectionName, e => e.IsParked && (key is null || e.ParkedKey == key), cancellationToken);

    private IDeadLetterStore DeadLetters => _store as IDeadLetterStore
        ?? throw new InvalidOperationException($"{_store.GetType().Name} does not record dead letters.");

    private async Task<int> ReplayAsync(string projectionName, Func<ProjectionDeadLetter, bool> which, CancellationToken cancellationToken)
    {
        var runner = Find(projectionName);
        var deadLetters = DeadLetters;
        await _startStop.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The runner's batches and the replay must not interleave: the replay runs alone, under the lock.
            var wasRunning = runner.IsRunning;
            await runner.StopAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var lease = await _store.TryAcquireProjectionLeaseAsync(projectionName, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException(
                        $"Another daemon runs projection '{projectionName}': replay its set-aside events there, or stop it first.");
                await using (lease.ConfigureAwait(false))
                {
                    var entries = await deadLetters.ReadDeadLettersAsync(projectionName, cancellationToken).ConfigureAwait(false);
                    return await runner.ReplayAsync([.. entries.Where(which)], cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (wasRunning)
                {
                    runner.Start();
                }
            }
        }
        finally
        {
            _startStop.Release();
        }
    }

    private void ValidateFailurePolicies()
    {
        foreach (var (name, policy) in _options.FailurePolicies)
        {
            if (!Array.Exists(_runners, r => r.Name == name))
            {
                throw new ArgumentException(
                    $"ProjectionDaemonOptions.FailurePolicies names '{name}', but the store has no async projection of that name.", "options");
            }

            if (!Enum.IsDefined(policy))
            {
                throw new ArgumentOutOfRangeException("options", $"ProjectionDaemonOptions.FailurePolicies['{name}'] is {policy}, which is no policy.");
            }
        }
    }
}
