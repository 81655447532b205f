using FraiseEvents.Conformance;
using FraiseEvents.InMemory;
using FraiseEvents.Upcasting;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace FraiseEvents.Tests.Upcasting;

/// <summary>Mistakes in upcaster chains fail when the store is created, with messages naming types and versions.</summary>
public sealed class UpcasterRegistrationTests
{
    [Test]
    public void A_gap_in_a_chain_fails_at_start_up_naming_the_missing_step()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV3>("USER_CREATED", 3);
        options.Upcasters.AddJson("USER_CREATED", 1, j => j);

        var error = Assert.Throws<ArgumentException>(() => _ = new InMemoryEventStore(options));

        Assert.That(error!.Message, Does.Contain("Gap").And.Contain("USER_CREATED v1 -> USER_CREATED v2").And.Contain("upcaster from v2"));
    }

    [Test]
    public void A_registered_version_that_no_upcaster_produces_fails_at_start_up()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV3>("USER_CREATED", 3);

        var error = Assert.Throws<ArgumentException>(() => _ = new InMemoryEventStore(options));

        Assert.That(error!.Message, Does.Contain("USER_CREATED").And.Contain("schema version 3").And.Contain("from v2"));
    }

    [Test]
    public void Two_upcasters_for_the_same_step_are_refused_when_added()
    {
        var upcasters = new EventUpcasters().AddJson("USER_CREATED", 1, j => j);

        var error = Assert.Throws<ArgumentException>(() => upcasters.Add<UserCreatedV1, UserCreatedV2>("USER_CREATED", 1, v1 => new UserCreatedV2(v1.Name, "", v1.Email)));

        Assert.That(error!.Message, Does.Contain("Two upcasters read USER_CREATED v1"));
    }

    [Test]
    public void An_upcaster_to_a_type_that_is_not_registered_fails_at_start_up()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV1>("USER_CREATED", 1);
        options.Upcasters.AddJson("USER_SIGNED_UP", 1, j => j, toEventType: "USER_REGISTERED");

        var error = Assert.Throws<ArgumentException>(() => _ = new InMemoryEventStore(options));

        Assert.That(error!.Message, Does.Contain("USER_REGISTERED").And.Contain("not a registered event type"));
    }

    [Test]
    public void A_typed_upcaster_producing_another_type_than_the_registered_one_fails_at_start_up()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV3>("USER_CREATED", 2);
        options.Upcasters.Add<UserCreatedV1, UserCreatedV2>("USER_CREATED", 1, v1 => new UserCreatedV2(v1.Name, "", v1.Email));

        var error = Assert.Throws<ArgumentException>(() => _ = new InMemoryEventStore(options));

        Assert.That(error!.Message, Does.Contain(nameof(UserCreatedV2)).And.Contain(nameof(UserCreatedV3)));
    }

    [Test]
    public void An_upcaster_reading_the_registered_current_version_fails_at_start_up()
    {
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV2>("USER_CREATED", 2);
        options.Upcasters.AddJson("USER_CREATED", 1, j => j).AddJson("USER_CREATED", 2, j => j);

        var error = Assert.Throws<ArgumentException>(() => _ = new InMemoryEventStore(options));

        Assert.That(error!.Message, Does.Contain("reads v2").And.Contain("registered at schema version 2"));
    }

    [Test]
    public async Task A_typed_final_step_hands_its_result_over_without_serializing_it_again()
    {
        var recorder = new RecordingUpcaster();
        var oldOptions = new EventStoreOptions();
        UpcastingSetup.Version1(oldOptions);
        var store = new InMemoryEventStore(oldOptions);
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreatedV1("Ada Lovelace", "a@example.com"));
        var options = new EventStoreOptions();
        options.Events.Register<UserCreatedV2>("USER_CREATED", 2);
        options.Upcasters.Add(recorder);

        var read = await store.Reopen(options).ReadStreamAsync(streamId).SingleAsync();

        Assert.That(read.Data, Is.SameAs(recorder.LastResult));
    }

    [Test]
    public async Task Upcaster_classes_registered_through_DI_are_used_and_checked_at_start_up()
    {
        var services = new ServiceCollection();
        services.AddEventStore(o => o.Events.Register<UserCreatedV2>("USER_CREATED", 2)).AddUpcaster<RecordingUpcaster>().UseInMemory();
        await using var provider = services.BuildServiceProvider();
        var broken = new ServiceCollection();
        broken.AddEventStore(o => o.Events.Register<UserCreatedV3>("USER_CREATED", 3)).AddUpcaster<RecordingUpcaster>().UseInMemory();
        await using var brokenProvider = broken.BuildServiceProvider();

        var options = provider.GetRequiredService<EventStoreOptions>();
        var error = Assert.Throws<ArgumentException>(() => brokenProvider.GetRequiredService<IEventStore>());

        Assert.That(options.Upcasters.All.Single(), Is.InstanceOf<RecordingUpcaster>());
        Assert.That(provider.GetRequiredService<IEventStore>(), Is.Not.Null);
        Assert.That(error!.Message, Does.Contain("USER_CREATED"));
    }

    private sealed class RecordingUpcaster : EventUpcaster<UserCreatedV1, UserCreatedV2>
    {
        public object? LastResult { get; private set; }

        public override string EventType => "USER_CREATED";

        public override int FromVersion => 1;

        public override UserCreatedV2 Upcast(UserCreatedV1 data)
        {
            var result = new UserCreatedV2(data.Name, "", data.Email);
            LastResult = result;
            return result;
        }
    }
}
