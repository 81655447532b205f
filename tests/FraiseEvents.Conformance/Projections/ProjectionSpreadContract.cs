using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Projections;

/// <summary>
/// What every store promises about spreading async projections across daemons
/// (<see cref="ProjectionDaemonOptions.SpreadProjections"/>): the live daemons share them evenly, the
/// survivors take a stopped daemon's share, and the read models stay exact whoever ran them.
/// </summary>
public abstract class ProjectionSpreadContract
{
    /// <summary>Generous: the daemons count each other and contend every lease interval, on a busy machine.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered, then <paramref name="configure"/> applied.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    /// <summary>Fast lock attempts and counting, so that tests wait for the state, not for the clock.</summary>
    public static ProjectionDaemonOptions Fast() => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
        LeaseRetryInterval = TimeSpan.FromMilliseconds(50), MaxRetries = 2, BatchSize = 7,
    };

    /// <summary>Registers the six <see cref="SpreadProjections"/>.</summary>
    public static void AddSixProjections(EventStoreOptions options) => SpreadProjections.AddAll(options);

    /// <summary>How many projections a daemon runs now (holds the lock of: catching up or live).</summary>
    public static int Running(ProjectionDaemon daemon) =>
        daemon.Statuses.Count(s => s.State is ProjectionState.Live or ProjectionState.CatchingUp);

    /// <summary>Waits (without timing anything) until <paramref name="condition"/> holds, failing after <see cref="Patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), () => "waited in vain for " + what());
            await Task.Delay(10);
        }
    }

    /// <summary>What each daemon runs, for failure messages.</summary>
    public static string Describe(params ProjectionDaemon[] daemons) => string.Join("; ", daemons.Select((d, i) =>
        $"daemon {i}: " + string.Join(", ", d.Statuses.Select(s => $"{s.Name}={s.State}"))));

    /// <summary>Appends <paramref name="streams"/> users, each created then renamed a few times; returns each stream's event count and the last position.</summary>
    public static async Task<LogPosition> AppendUsersAsync(IEventStore store, Dictionary<StreamId, int> expected, int streams, int seed)
    {
        var random = new Random(seed);
        var last = LogPosition.Start;
        for (var s = 0; s < streams; s++)
        {
            var id = StreamId.New();
            var updates = random.Next(0, 4);
            var events = new List<NewEvent> { new(new UserCreated(id.Value, $"User {s}", $"u{s}@example.com")) };
            events.AddRange(Enumerable.Range(0, updates).Select(u => new NewEvent(new UserUpdated(id.Value, Name: $"User {s}.{u}"))));
            var result = await store.AppendAsync(id, ExpectedVersion.NoStream, events);
            expected[id] = events.Count;
            last = result.LogPosition > last ? result.LogPosition : last;
        }

        return last;
    }

    /// <summary>Each of the six read models equals the fold of the events appended: one tally per stream, counting its events.</summary>
    public static async Task AssertExactAsync(IEventStore store, ProjectionDaemon daemon, LogPosition last, Dictionary<StreamId, int> expected)
    {
        foreach (var name in SpreadProjections.Names)
        {
            await daemon.WaitForProjectionAsync(name, last, Patience);
        }

        var reader = (IDocumentReader)store;
        foreach (var (id, events) in expected)
        {
            Assert.That(await SpreadProjections.LoadAllAsync(reader, id), Is.All.EqualTo(events), $"stream {id}: every read model counts its {events} events once");
        }
    }

    [Test]
    public async Task Three_daemons_with_six_projections_each_run_two_and_stopping_one_moves_its_projections_to_the_other_two()
    {
        var store = await CreateStoreAsync(AddSixProjections);
        var expected = new Dictionary<StreamId, int>();
        await using var a = new ProjectionDaemon(store, Fast());
        await using var b = new ProjectionDaemon(store, Fast());
        var c = new ProjectionDaemon(store, Fast());
        await a.StartAsync();
        await AppendUsersAsync(store, expected, 5, seed: 1);
        await b.StartAsync();
        await c.StartAsync();
        var last = await AppendUsersAsync(store, expected, 5, seed: 2);

        await WaitUntilAsync(() => Running(a) == 2 && Running(b) == 2 && Running(c) == 2, () => "two projections each: " + Describe(a, b, c));
        await AssertExactAsync(store, a, last, expected);

        await c.DisposeAsync();
        await WaitUntilAsync(() => Running(a) == 3 && Running(b) == 3, () => "three projections each after one daemon stopped: " + Describe(a, b));
        last = await AppendUsersAsync(store, expected, 5, seed: 3);
        await AssertExactAsync(store, a, last, expected);
        Assert.That(a.Statuses.Concat(b.Statuses).Select(s => s.Fault), Is.All.Null);
    }

    [Test]
    public async Task With_spreading_off_the_first_daemon_runs_every_projection()
    {
        var store = await CreateStoreAsync(AddSixProjections);
        var off = Fast();
        off.SpreadProjections = false;
        await using var a = new ProjectionDaemon(store, off);
        await using var b = new ProjectionDaemon(store, off);
        await a.StartAsync();
        await WaitUntilAsync(() => Running(a) == 6, () => "the first daemon to run all six: " + Describe(a));
        await b.StartAsync();
        var expected = new Dictionary<StreamId, int>();
        var last = await AppendUsersAsync(store, expected, 5, seed: 4);
        await AssertExactAsync(store, b, last, expected);

        Assert.That(Running(a), Is.EqualTo(6), Describe(a, b));
        Assert.That(b.Statuses.Select(s => s.State), Is.All.EqualTo(ProjectionState.Standby));
    }
}
