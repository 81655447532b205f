using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Projections;

/// <summary>
/// What every store promises about async projections run by a <see cref="ProjectionDaemon"/>: once
/// <see cref="ProjectionDaemon.WaitForProjectionAsync"/> returns, the read model equals the inline
/// projection's (the same fold); a restart continues from the checkpoint without applying anything
/// twice; a projection that throws faults alone and resumes after the fix; one daemon at a time runs a
/// projection. A store opts in by saying how to create a fresh store with the given options.
/// </summary>
public abstract class AsyncProjectionContract
{
    /// <summary>Generous: other tests' open transactions can hold the global log back for a while.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered, then <paramref name="configure"/> applied.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    /// <summary>Fast polling, retries and lock attempts, so that tests wait for ordering, not for the clock.</summary>
    protected static ProjectionDaemonOptions Fast(Action<ProjectionDaemonOptions>? configure = null)
    {
        var options = new ProjectionDaemonOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
            LeaseRetryInterval = TimeSpan.FromMilliseconds(20), MaxRetries = 2, BatchSize = 7,
        };
        configure?.Invoke(options);
        return options;
    }

    private Task<IEventStore> StoreWithBothAsync(Action<EventStoreOptions>? more = null) => CreateStoreAsync(o =>
    {
        o.Projections.Add<UserDocumentProjection>().Add<AsyncUserDocumentProjection>();
        more?.Invoke(o);
    });

    private static IDocumentReader Documents(IEventStore store) => (IDocumentReader)store;

    /// <summary>Creates, renames and deletes users over a few streams; returns the streams and the last append's position.</summary>
    private static async Task<(List<StreamId> Streams, LogPosition Last)> AppendUsersAsync(IEventStore store, int streams, int seed)
    {
        var random = new Random(seed);
        var ids = new List<StreamId>();
        var last = LogPosition.Start;
        for (var s = 0; s < streams; s++)
        {
            var id = StreamId.New();
            ids.Add(id);
            var result = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, $"User {s}", $"u{s}@example.com"))]);
            var updates = random.Next(0, 4);
            for (var u = 0; u < updates; u++)
            {
                result = await store.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value),
                    [new NewEvent(new UserUpdated(id.Value, Name: $"User {s}.{u}")), new NewEvent(new MeasurementTaken(u))]);
            }

            if (random.Next(0, 5) == 0)
            {
                result = await store.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value), [new NewEvent(new UserDeleted(id.Value))]);
            }

            last = result.LogPosition > last ? result.LogPosition : last;
        }

        return (ids, last);
    }

    private static async Task AssertAsyncEqualsInlineAsync(IEventStore store, IEnumerable<StreamId> streams)
    {
        foreach (var id in streams)
        {
            var inline = await Documents(store).LoadAsync<UserDocument>(id);
            var built = await Documents(store).LoadAsync<AsyncUserDocument>(id);
            Assert.That(built is null ? null : new UserDocument(built.Name, built.Email, built.Changes), Is.EqualTo(inline), $"stream {id}");
        }
    }

    [Test]
    public async Task After_waiting_for_an_append_the_async_read_model_equals_the_inline_one()
    {
        var store = await StoreWithBothAsync();
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        var (streams, last) = await AppendUsersAsync(store, 25, seed: 1);

        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last, Patience);

        await AssertAsyncEqualsInlineAsync(store, streams);
        Assert.That(daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).Position, Is.GreaterThanOrEqualTo(last));
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("projection:" + AsyncUserDocumentProjection.ProjectionName),
            Is.GreaterThanOrEqualTo(last), "the checkpoint is stored under projection:<name>");
    }

    [Test]
    public async Task An_append_wakes_the_daemon_without_waiting_for_the_poll_interval()
    {
        var store = await StoreWithBothAsync();
        // An hour between polls: only the store's wake-up can bring the appends to the read model in time.
        await using var daemon = new ProjectionDaemon(store, Fast(o => o.PollInterval = TimeSpan.FromHours(1)));
        await daemon.StartAsync();
        await WaitForLiveAsync(daemon);

        for (var i = 0; i < 3; i++)
        {
            var (streams, last) = await AppendUsersAsync(store, 2, seed: 10 + i);
            await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last, Patience);
            await AssertAsyncEqualsInlineAsync(store, streams);
        }
    }

    private static async Task WaitForLiveAsync(ProjectionDaemon daemon)
    {
        var started = DateTime.UtcNow;
        while (daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).State != ProjectionState.Live)
        {
            Assert.That(DateTime.UtcNow - started, Is.LessThan(Patience), "the daemon never reached the end of the empty log");
            await Task.Delay(10);
        }
    }

    [Test]
    public async Task A_restarted_daemon_continues_from_the_checkpoint_and_applies_nothing_twice()
    {
        var store = await StoreWithBothAsync();
        var first = new ProjectionDaemon(store, Fast());
        await first.StartAsync();
        var (before, middle) = await AppendUsersAsync(store, 10, seed: 2);
        await first.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, middle, Patience);
        await first.StopAsync();
        var stoppedAt = first.GetStatus(AsyncUserDocumentProjection.ProjectionName);
        Assert.That(stoppedAt.State, Is.EqualTo(ProjectionState.Stopped));

        var (after, last) = await AppendUsersAsync(store, 10, seed: 3);
        // Changes counts every update applied: applying any event twice would show in it.
        var extra = StreamId.New();
        var created = await store.AppendAsync(extra, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(extra.Value, "Ada", "ada@example.com"))]);
        await store.AppendAsync(extra, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(extra.Value, Name: "Ada L"))]);
        await using var second = new ProjectionDaemon(store, Fast());
        await second.StartAsync();
        var final = await store.AppendAsync(extra, ExpectedVersion.Exactly(2), [new NewEvent(new UserUpdated(extra.Value, Email: "ada@l.org"))]);
        await second.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, final.LogPosition, Patience);

        await AssertAsyncEqualsInlineAsync(store, [.. before, .. after, extra]);
        Assert.That(await Documents(store).LoadAsync<AsyncUserDocument>(extra), Is.EqualTo(new AsyncUserDocument("Ada L", "ada@l.org", 3)));
        Assert.That(created.LogPosition, Is.GreaterThan(stoppedAt.Position));
        Assert.That(last, Is.LessThan(final.LogPosition));
    }

    [Test]
    public async Task A_projection_that_keeps_throwing_faults_alone_naming_the_event_and_resumes_after_the_fix()
    {
        var throwing = new AsyncThrowingProjection();
        var store = await StoreWithBothAsync(o => o.Projections.Add(throwing));
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        var good = StreamId.New();
        await store.AppendAsync(good, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(good.Value, "Ada", "ada@example.com"))]);
        var bad = StreamId.New();
        var boom = new NewEvent(new UserCreated(bad.Value, "boom", "boom@example.com"));
        await store.AppendAsync(bad, ExpectedVersion.NoStream, [boom]);
        var after = StreamId.New();
        var last = await store.AppendAsync(after, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(after.Value, "Grace", "grace@example.com"))]);

        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncUserDocument>(after), Is.Not.Null, "the other projection goes on");

        var ex = Assert.ThrowsAsync<ProjectionWaitTimeoutException>(() =>
            daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, last.LogPosition, Patience));
        var status = daemon.GetStatus(AsyncThrowingProjection.ProjectionName);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Fault, Is.Not.Null);
            Assert.That(ex.ProjectionName, Is.EqualTo(AsyncThrowingProjection.ProjectionName));
            Assert.That(ex.Target, Is.EqualTo(last.LogPosition));
            Assert.That(status.State, Is.EqualTo(ProjectionState.Faulted));
            Assert.That(status.Fault!.EventId, Is.EqualTo(boom.EventId));
            Assert.That(status.Fault.StreamId, Is.EqualTo(bad));
            Assert.That(status.Fault.EventType, Is.EqualTo("USER_CREATED"));
            Assert.That(status.Fault.Attempts, Is.EqualTo(3), "1 + MaxRetries");
            Assert.That(status.Fault.Error.Message, Does.Contain("boom is not a name"));
            Assert.That(status.Fault.Message, Does.Contain(boom.EventId.ToString()).And.Contain(bad.ToString()));
            Assert.That(status.Position, Is.LessThan(status.Fault.Position!.Value), "the checkpoint stops before the failing event");
        });
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(good), Is.EqualTo(new AsyncThrowingProjection.Seen("Ada")),
            "the events before the failing one are applied");

        throwing.Broken = false;
        await daemon.ResumeAsync(AsyncThrowingProjection.ProjectionName);
        await daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, last.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(bad), Is.EqualTo(new AsyncThrowingProjection.Seen("boom")));
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(after), Is.EqualTo(new AsyncThrowingProjection.Seen("Grace")));
    }

    [Test]
    public async Task Two_daemons_never_run_one_projection_at_once_and_the_other_takes_over_when_the_holder_stops()
    {
        var store = await StoreWithBothAsync();
        var first = new ProjectionDaemon(store, Fast());
        await using var second = new ProjectionDaemon(store, Fast());
        await first.StartAsync();
        var (_, middle) = await AppendUsersAsync(store, 3, seed: 4);
        await first.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, middle, Patience);
        await second.StartAsync();
        var (streams, last) = await AppendUsersAsync(store, 3, seed: 5);
        await first.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last, Patience);
        await WaitUntilAsync(() => second.GetStatus(AsyncUserDocumentProjection.ProjectionName).State == ProjectionState.Standby);
        Assert.That(first.GetStatus(AsyncUserDocumentProjection.ProjectionName).State, Is.AnyOf(ProjectionState.Live, ProjectionState.CatchingUp));
        // The standby's wait follows the stored checkpoint.
        await second.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last, Patience);

        await first.StopAsync();
        var (more, end) = await AppendUsersAsync(store, 3, seed: 6);
        await second.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, end, Patience);
        await WaitUntilAsync(() => second.GetStatus(AsyncUserDocumentProjection.ProjectionName).State == ProjectionState.Live);
        Assert.That(second.GetStatus(AsyncUserDocumentProjection.ProjectionName).EventsApplied, Is.GreaterThan(0), "the second daemon took over");
        await AssertAsyncEqualsInlineAsync(store, [.. streams, .. more]);
    }

    [Test]
    public async Task Waiting_for_a_projection_that_does_not_get_there_names_how_far_it_got()
    {
        var store = await StoreWithBothAsync();
        var id = StreamId.New();
        var appended = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);
        await using var daemon = new ProjectionDaemon(store, Fast());

        var ex = Assert.ThrowsAsync<ProjectionWaitTimeoutException>(() =>
            daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, appended.LogPosition, TimeSpan.FromMilliseconds(50)));
        Assert.That(ex!.Reached, Is.EqualTo(LogPosition.Start));
        Assert.That(ex.Target, Is.EqualTo(appended.LogPosition));
        Assert.That(ex.Message, Does.Contain(AsyncUserDocumentProjection.ProjectionName).And.Contain(appended.LogPosition.ToString()));
        Assert.Throws<ArgumentException>(() => daemon.GetStatus("no_such_projection"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the condition never came true");
            await Task.Delay(5);
        }
    }
}
