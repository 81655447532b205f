using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.InMemory;

[TestFixture]
public sealed class InMemoryEventStoreContract : EventStoreContract
{
    protected override Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null)
    {
        var options = TestEvents.Options(configure);
        return Task.FromResult<IEventStore>(new InMemoryEventStore(options));
    }
}
