using FraiseEvents.Serialization;
using NUnit.Framework;

namespace FraiseEvents.Tests.Serialization;

public sealed class EventTypeRegistryTests
{
    [Test]
    public void A_registered_type_is_found_by_type_and_by_name()
    {
        var registry = new EventTypeRegistry().Register<OrderPlaced>().Register<OrderShipped>("shipped", schemaVersion: 3);

        Assert.That(registry.TryGet(typeof(OrderPlaced), out var placed), Is.True);
        Assert.That(placed.Name, Is.EqualTo("ORDER_PLACED"));
        Assert.That(registry.TryGet("shipped", out var shipped), Is.True);
        Assert.That(shipped, Is.EqualTo(new EventTypeInfo(typeof(OrderShipped), "shipped", 3)));
        Assert.That(registry.TryGet("ORDER_SHIPPED", out _), Is.False);
    }

    [Test]
    public void Registering_a_type_twice_is_refused_naming_its_first_name()
    {
        var registry = new EventTypeRegistry().Register<OrderPlaced>();

        var error = Assert.Throws<ArgumentException>(() => registry.Register<OrderPlaced>("other"));

        Assert.That(error!.Message, Does.Contain("ORDER_PLACED"));
    }

    [Test]
    public void Registering_two_types_under_one_name_is_refused_naming_both()
    {
        var registry = new EventTypeRegistry().Register<OrderPlaced>("ORDER");

        var error = Assert.Throws<ArgumentException>(() => registry.Register<OrderShipped>("ORDER"));

        Assert.That(error!.Message, Does.Contain(nameof(OrderPlaced)).And.Contain(nameof(OrderShipped)));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase(" PADDED")]
    public void Blank_or_padded_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register<OrderPlaced>(name));

    // The character is passed by its code: a string argument with a lone surrogate does not
    // survive as written (attribute values are stored as UTF-8, test names are sent as text).
    [TestCase(0x0000, "U+0000")]
    [TestCase(0xD800, "lone surrogate U+D800")]
    [TestCase(0xDC00, "lone surrogate U+DC00")]
    public void Names_the_database_cannot_store_are_refused_at_registration(int character, string reason)
    {
        var name = "ORDER_" + (char)character + "PLACED";
        var error = Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register<OrderPlaced>(name));

        Assert.That(error!.Message, Does.Contain(reason).And.Contain(nameof(OrderPlaced)));
        Assert.That(error.Message.Any(c => c == '\0' || char.IsSurrogate(c)), Is.False, "the message prints the name escaped");
        Assert.DoesNotThrow(() => new EventTypeRegistry().Register<OrderPlaced>("ORDER_\uD83D\uDE80"), "a surrogate pair is valid");
    }

    [Test]
    public void A_name_longer_than_the_event_type_column_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register<OrderPlaced>(new string('A', 101)));

        Assert.That(error!.Message, Does.Contain("100"));
        Assert.DoesNotThrow(() => new EventTypeRegistry().Register<OrderPlaced>(new string('A', 100)));
    }

    [Test]
    public void Abstract_types_and_value_types_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register(typeof(AbstractEvent)));
        Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register(typeof(int)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventTypeRegistry().Register<OrderPlaced>(schemaVersion: 0));
    }

    [Test]
    public void A_registry_in_use_by_a_store_can_no_longer_change()
    {
        var options = new EventStoreOptions();
        options.Events.Register<OrderPlaced>();
        _ = new FraiseEvents.InMemory.InMemoryEventStore(options);

        var error = Assert.Throws<InvalidOperationException>(() => options.Events.Register<OrderShipped>());

        Assert.That(options.Events.IsFrozen, Is.True);
        Assert.That(error!.Message, Does.Contain("before creating the store"));
        Assert.That(options.Events.TryGet(typeof(OrderPlaced), out _), Is.True);
    }

    private sealed record OrderPlaced(Guid OrderId);

    private sealed record OrderShipped(Guid OrderId);

    private abstract record AbstractEvent;
}
