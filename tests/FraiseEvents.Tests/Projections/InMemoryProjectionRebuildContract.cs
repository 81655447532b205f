using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

[TestFixture]
public sealed class InMemoryProjectionRebuildContract : ProjectionRebuildContract
{
    protected override Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        Task.FromResult<IEventStore>(new InMemoryEventStore(TestEvents.Options(configure)));

    protected override Task<bool> ShadowExistsAsync(IEventStore store, string projectionName) =>
        Task.FromResult(((InMemoryEventStore)store).HasRebuildShadow(projectionName));
}
