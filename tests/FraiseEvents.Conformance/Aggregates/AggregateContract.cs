using FraiseEvents.Aggregates;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Aggregates;

/// <summary>
/// What aggregates, snapshots, time travel and the audit trail promise over any store that
/// implements <see cref="ISnapshotStore"/> and <see cref="Auditing.IAuditTrail"/>. A store's test
/// project opts in by deriving from this class.
/// </summary>
public abstract partial class AggregateContract
{
    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync();

    protected static AggregateRepository<UserAggregate> Users(IEventStore store, SnapshotPolicy? snapshots = null, int schemaVersion = 1) =>
        new(store, id => new UserAggregate(id, schemaVersion), new AggregateRepositoryOptions { StreamType = "User", Snapshots = snapshots ?? SnapshotPolicy.Never });

    /// <summary>Creates a user and saves it: version 1.</summary>
    protected static async Task<UserAggregate> NewUserAsync(AggregateRepository<UserAggregate> users, string name = "Ada", string email = "ada@example.com",
        Guid? createdBy = null)
    {
        var user = users.Create(StreamId.New());
        user.Register(name, email);
        await users.SaveAsync(user, Metadata(createdBy));
        return user;
    }

    protected static AppendOptions? Metadata(Guid? createdBy) =>
        createdBy is null ? null : new AppendOptions { Metadata = new EventMetadata { CreatedBy = createdBy, CorrelationId = "test" } };

    protected static async Task<List<RecordedEvent>> ReadStream(IEventStore store, StreamId streamId) =>
        await store.ReadStreamAsync(streamId).ToListAsync();

    /// <summary>Starts every action at the same moment and collects each one's outcome.</summary>
    protected static Task<Exception?[]> RunConcurrently(int count, Func<int, Task> action) => Concurrently.Run(count, action);
}
