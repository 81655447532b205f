using FraiseEvents.Projections;

namespace FraiseEvents.InMemory;

/// <summary>The events async projections set aside, kept in a list per projection, changed under the store's lock with the batch.</summary>
public sealed partial class InMemoryEventStore : IDeadLetterStore
{
    Task<IReadOnlyList<ProjectionDeadLetter>> IDeadLetterStore.ReadDeadLettersAsync(string projectionName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult<IReadOnlyList<ProjectionDeadLetter>>(
                _storage.DeadLetters.TryGetValue(projectionName, out var list) ? [.. list.OrderBy(e => e.Position)] : []);
        }
    }

    Task<IReadOnlyCollection<string>> IDeadLetterStore.ReadParkedKeysAsync(string projectionName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_storage.Lock)
        {
            return Task.FromResult<IReadOnlyCollection<string>>(_storage.DeadLetters.TryGetValue(projectionName, out var list)
                ? [.. list.Where(e => e.ParkedKey is not null).Select(e => e.ParkedKey!).Distinct(StringComparer.Ordinal)] // filtered just above
                : []);
        }
    }

    /// <summary>Adds the batch's set-aside events and removes those it replayed; the caller holds the store's lock.</summary>
    private void RecordSetAsideLocked(ProjectionBatch batch)
    {
        if (batch.SetAside.Count == 0 && batch.Released.Count == 0)
        {
            return;
        }

        if (!_storage.DeadLetters.TryGetValue(batch.Projection.Name, out var list))
        {
            _storage.DeadLetters[batch.Projection.Name] = list = [];
        }

        list.RemoveAll(e => batch.Released.Contains(e.EventId) || batch.SetAside.Any(s => s.EventId == e.EventId));
        list.AddRange(batch.SetAside);
    }
}
