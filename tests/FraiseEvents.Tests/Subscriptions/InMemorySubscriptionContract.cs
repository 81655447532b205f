using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Subscriptions;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.Subscriptions;

[TestFixture]
public sealed class InMemorySubscriptionContract : SubscriptionContract
{
    protected override Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        Task.FromResult<IEventStore>(new InMemoryEventStore(TestEvents.Options(configure)));
}
