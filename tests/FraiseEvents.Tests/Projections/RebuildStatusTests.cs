using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Tests.Projections;

public sealed class RebuildStatusTests
{
    [Test]
    public void The_rate_is_events_over_elapsed_time_and_the_time_left_is_the_events_left_at_that_rate()
    {
        var status = new RebuildStatus("p", RebuildState.Building, new LogPosition(5, 100), eventsDone: 100, TimeSpan.FromSeconds(2), eventsLeft: 300, error: null);

        Assert.That(status.EventsPerSecond, Is.EqualTo(50));
        Assert.That(status.EstimatedTimeLeft, Is.EqualTo(TimeSpan.FromSeconds(6)));
    }

    [Test]
    public void Without_elapsed_time_or_a_known_head_there_is_no_rate_or_estimate()
    {
        var started = new RebuildStatus("p", RebuildState.Building, LogPosition.Start, eventsDone: 0, TimeSpan.Zero, eventsLeft: 300, error: null);
        var ended = new RebuildStatus("p", RebuildState.Completed, new LogPosition(5, 100), eventsDone: 100, TimeSpan.FromSeconds(2), eventsLeft: null, error: null);

        Assert.That(started.EventsPerSecond, Is.Zero);
        Assert.That(started.EstimatedTimeLeft, Is.Null);
        Assert.That(ended.EstimatedTimeLeft, Is.Null);
        Assert.That(ended.ToString(), Does.Contain("Completed").And.Contain("100 events"));
    }
}
