using FraiseEvents.Projections;

namespace FraiseEvents.InMemory;

/// <summary>The live projection daemons over this store's events (<see cref="Reopen"/> included), for spreading its async projections among them.</summary>
public sealed partial class InMemoryEventStore : IProjectionDaemonMembers
{
    Task<IProjectionDaemonMembership> IProjectionDaemonMembers.JoinProjectionDaemonsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var membership = new Membership(_storage);
        lock (_storage.Lock)
        {
            _storage.ProjectionDaemons.Add(membership);
        }

        return Task.FromResult<IProjectionDaemonMembership>(membership);
    }

    /// <summary>A daemon's place in the member set: live until disposed.</summary>
    private sealed class Membership(Storage storage) : IProjectionDaemonMembership
    {
        public Task<int> CountLiveDaemonsAsync(CancellationToken cancellationToken)
        {
            lock (storage.Lock)
            {
                return Task.FromResult(storage.ProjectionDaemons.Count);
            }
        }

        public ValueTask DisposeAsync()
        {
            lock (storage.Lock)
            {
                storage.ProjectionDaemons.Remove(this);
            }

            return ValueTask.CompletedTask;
        }
    }
}
