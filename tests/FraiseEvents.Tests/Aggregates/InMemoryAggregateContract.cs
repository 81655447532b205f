using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.Aggregates;

[TestFixture]
public sealed class InMemoryAggregateContract : AggregateContract
{
    protected override Task<IEventStore> CreateStoreAsync()
    {
        var options = TestEvents.Options();
        return Task.FromResult<IEventStore>(new InMemoryEventStore(options));
    }
}
