using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace FraiseEvents.Tests;

public sealed class DependencyInjectionTests
{
    [Test]
    public async Task AddEventStore_with_UseInMemory_gives_a_working_store_with_every_configured_type()
    {
        var services = new ServiceCollection();
        services.AddEventStore(o => o.Events.Register<UserCreated>()).UseInMemory();
        services.AddEventStore(o => o.Events.Register<UserDeleted>());
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IEventStore>();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, [TestEvents.Created(), new UserDeleted(Guid.NewGuid())]);

        Assert.That(store, Is.InstanceOf<InMemoryEventStore>());
        Assert.That(provider.GetRequiredService<IEventStore>(), Is.SameAs(store));
        Assert.That(await store.ReadStreamAsync(streamId).Select(e => e.EventType).ToListAsync(), Is.EqualTo(new[] { "USER_CREATED", "USER_DELETED" }));
    }

    [Test]
    public void Calling_AddEventStore_twice_returns_the_same_builder()
    {
        var services = new ServiceCollection();

        var first = services.AddEventStore();
        var second = services.AddEventStore();

        Assert.That(second, Is.SameAs(first));
        Assert.That(services.Count(d => d.ServiceType == typeof(EventStoreOptions)), Is.EqualTo(1));
    }

    [Test]
    public void Forgetting_to_choose_a_storage_says_how_to_choose_one()
    {
        var services = new ServiceCollection();
        services.AddEventStore();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEventStore>());

        Assert.That(error!.Message, Does.Contain("UsePostgres").And.Contain("UseInMemory"));
    }

    [Test]
    public void Invalid_options_are_reported_naming_the_setting_when_the_store_is_built()
    {
        var services = new ServiceCollection();
        services.AddEventStore(o => o.MaxEventSizeBytes = 0).UseInMemory();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<IEventStore>());

        Assert.That(error!.Message, Does.Contain("MaxEventSizeBytes"));
    }
}
