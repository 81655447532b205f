using NUnit.Framework;

namespace FraiseEvents.Tests;

public sealed class ValueTypeTests
{
    [Test]
    public void A_new_event_refuses_an_empty_id_when_it_is_made()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new NewEvent(new object()) { EventId = Guid.Empty });
        Assert.That(ex!.Message, Does.Contain("EventId"));
        Assert.That(new NewEvent(new object()).EventId.Version, Is.EqualTo(7));
    }

    [Test]
    public void Global_positions_compare_by_value_with_operators()
    {
        GlobalPosition early = new(3), late = new(10);
        Assert.That(early < late, Is.True);
        Assert.That(early > late, Is.False);
        Assert.That(early <= new GlobalPosition(3), Is.True);
        Assert.That(late >= early, Is.True);
        Assert.That(new[] { late, early }.Max(), Is.EqualTo(late));
    }

    [Test]
    public void A_stream_id_is_never_empty_and_new_ones_are_time_ordered()
    {
        Assert.Throws<ArgumentException>(() => _ = new StreamId(Guid.Empty));
        var id = StreamId.New();
        Assert.That(id.Value.Version, Is.EqualTo(7));
        Assert.That(StreamId.Parse(id.ToString()), Is.EqualTo(id));
    }

    [TestCase(-1, null, true)]
    [TestCase(-1, 5L, true)]
    [TestCase(-2, null, true)]
    [TestCase(-2, 1L, false)]
    [TestCase(-3, null, false)]
    [TestCase(-3, 2L, true)]
    [TestCase(0, null, true)]
    [TestCase(0, 1L, false)]
    [TestCase(4, 4L, true)]
    [TestCase(4, 3L, false)]
    public void An_expectation_is_satisfied_exactly_by_the_states_it_names(long wire, long? current, bool satisfied)
    {
        var expected = wire switch
        {
            -1 => ExpectedVersion.Any,
            -2 => ExpectedVersion.NoStream,
            -3 => ExpectedVersion.StreamExists,
            _ => ExpectedVersion.Exactly(wire),
        };

        Assert.That(expected.Value, Is.EqualTo(wire));
        Assert.That(expected.IsSatisfiedBy(current is { } v ? new StreamVersion(v) : null), Is.EqualTo(satisfied));
    }

    [Test]
    public void Negative_versions_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpectedVersion.Exactly(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new StreamVersion(-1));
    }

    [Test]
    public void Log_positions_order_by_transaction_then_position()
    {
        var a = new LogPosition(10, 500);
        var b = new LogPosition(11, 3);
        var c = new LogPosition(11, 4);

        Assert.That(new[] { c, a, b }.Order(), Is.EqualTo(new[] { a, b, c }));
        Assert.That(a < b && b < c && LogPosition.Start < a, Is.True);
    }
}
