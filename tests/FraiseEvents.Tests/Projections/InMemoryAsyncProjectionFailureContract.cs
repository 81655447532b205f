using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

[TestFixture]
public sealed class InMemoryAsyncProjectionFailureContract : AsyncProjectionFailureContract
{
    protected override Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        Task.FromResult<IEventStore>(new InMemoryEventStore(TestEvents.Options(configure)));
}
