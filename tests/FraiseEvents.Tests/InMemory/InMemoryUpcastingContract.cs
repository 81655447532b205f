using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using NUnit.Framework;

namespace FraiseEvents.Tests.InMemory;

[TestFixture]
public sealed class InMemoryUpcastingContract : UpcastingContract
{
    protected override Task<(IEventStore Store, Func<Action<EventStoreOptions>, Task<IEventStore>> Reopen)> CreateStoreAsync(
        Action<EventStoreOptions> configure)
    {
        var options = new EventStoreOptions();
        configure(options);
        var store = new InMemoryEventStore(options);
        return Task.FromResult<(IEventStore, Func<Action<EventStoreOptions>, Task<IEventStore>>)>((store, reconfigure =>
        {
            var next = new EventStoreOptions();
            reconfigure(next);
            return Task.FromResult<IEventStore>(store.Reopen(next));
        }));
    }
}
