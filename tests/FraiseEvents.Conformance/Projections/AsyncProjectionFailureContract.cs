using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Projections;

/// <summary>
/// What every store promises about the failure policies of async projections: a poison event pauses
/// the projection (the default), or is dead-lettered with its details while the others apply, or parks
/// only its key while other keys flow; after the fix a replay applies the set-aside events once, in log
/// order. A store opts in by saying how to create a fresh store with the given options.
/// </summary>
public abstract class AsyncProjectionFailureContract
{
    /// <summary>Generous: other tests' open transactions can hold the global log back for a while.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered, then <paramref name="configure"/> applied.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    /// <summary>Fast polling and retries, the given policy for <paramref name="projection"/>.</summary>
    protected static ProjectionDaemonOptions Fast(string projection, ProjectionFailurePolicy policy)
    {
        var options = new ProjectionDaemonOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
            LeaseRetryInterval = TimeSpan.FromMilliseconds(20), MaxRetries = 2, BatchSize = 7,
        };
        options.FailurePolicies[projection] = policy;
        return options;
    }

    protected static IDocumentReader Documents(IEventStore store) => (IDocumentReader)store;

    private static Task<AppendResult> CreateAsync(IEventStore store, StreamId id, string name) =>
        store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, name, $"{name}@example.com"))]);

    private static Task<AppendResult> RenameAsync(IEventStore store, StreamId id, string name) =>
        store.AppendAsync(id, ExpectedVersion.Any, [new NewEvent(new UserUpdated(id.Value, Name: name))]);

    [Test]
    public async Task Under_pause_a_poison_event_is_retried_then_pauses_the_projection_named_in_its_status_and_resume_after_the_fix_continues()
    {
        var parking = new AsyncParkingProjection();
        var store = await CreateStoreAsync(o => o.Projections.Add(parking));
        await using var daemon = new ProjectionDaemon(store, Fast(AsyncParkingProjection.ProjectionName, ProjectionFailurePolicy.Pause));
        await daemon.StartAsync();
        var bad = StreamId.New();
        await CreateAsync(store, bad, "a");
        var poison = await RenameAsync(store, bad, "boom");
        var other = StreamId.New();
        var last = await CreateAsync(store, other, "b");

        Assert.ThrowsAsync<ProjectionWaitTimeoutException>(() => daemon.WaitForProjectionAsync(AsyncParkingProjection.ProjectionName, last.LogPosition, Patience));
        var status = daemon.GetStatus(AsyncParkingProjection.ProjectionName);
        Assert.Multiple(() =>
        {
            Assert.That(status.State, Is.EqualTo(ProjectionState.Faulted));
            Assert.That(status.Fault!.Position, Is.EqualTo(poison.LogPosition));
            Assert.That(status.Fault.Attempts, Is.EqualTo(3), "1 + MaxRetries");
            Assert.That(status.DeadLettered, Is.Zero);
        });
        Assert.That(await daemon.GetDeadLettersAsync(AsyncParkingProjection.ProjectionName), Is.Empty, "nothing is set aside under Pause");
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(other), Is.Null, "nothing after the poison event is applied");

        parking.Broken = false;
        await daemon.ResumeAsync(AsyncParkingProjection.ProjectionName);
        await daemon.WaitForProjectionAsync(AsyncParkingProjection.ProjectionName, last.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(bad), Is.EqualTo(new AsyncParkingProjection.Names("a,boom")));
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(other), Is.EqualTo(new AsyncParkingProjection.Names("b")));
    }

    [Test]
    public async Task Under_dead_letter_a_poison_event_is_recorded_with_its_details_the_others_apply_and_a_replay_after_the_fix_applies_it_once()
    {
        var throwing = new AsyncThrowingProjection();
        var store = await CreateStoreAsync(o => o.Projections.Add(throwing));
        await using var daemon = new ProjectionDaemon(store, Fast(AsyncThrowingProjection.ProjectionName, ProjectionFailurePolicy.DeadLetter));
        await daemon.StartAsync();
        var good = StreamId.New();
        await CreateAsync(store, good, "Ada");
        var bad = StreamId.New();
        var poison = await CreateAsync(store, bad, "boom");
        var after = StreamId.New();
        var last = await CreateAsync(store, after, "Grace");

        await daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, last.LogPosition, Patience);
        var recorded = await daemon.GetDeadLettersAsync(AsyncThrowingProjection.ProjectionName);
        var status = daemon.GetStatus(AsyncThrowingProjection.ProjectionName);
        Assert.That(recorded, Has.Count.EqualTo(1));
        var letter = recorded[0];
        Assert.Multiple(() =>
        {
            Assert.That(letter.ProjectionName, Is.EqualTo(AsyncThrowingProjection.ProjectionName));
            Assert.That(letter.StreamId, Is.EqualTo(bad));
            Assert.That(letter.Position, Is.EqualTo(poison.LogPosition));
            Assert.That(letter.EventType, Is.EqualTo("USER_CREATED"));
            Assert.That(letter.ErrorType, Is.EqualTo(typeof(InvalidOperationException).FullName));
            Assert.That(letter.ErrorMessage, Does.Contain("boom is not a name"));
            Assert.That(letter.Attempts, Is.EqualTo(3), "1 + MaxRetries");
            Assert.That(letter.IsParked, Is.False);
            Assert.That(status.State, Is.Not.EqualTo(ProjectionState.Faulted));
            Assert.That(status.DeadLettered, Is.EqualTo(1));
            Assert.That(status.LastError, Does.Contain("boom is not a name"));
        });
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(good), Is.EqualTo(new AsyncThrowingProjection.Seen("Ada")));
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(after), Is.EqualTo(new AsyncThrowingProjection.Seen("Grace")));
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(bad), Is.Null, "the poison event is skipped");

        Assert.That(await daemon.ReplayDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Is.Zero, "still broken: it fails again");
        Assert.That(await daemon.GetDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Has.Count.EqualTo(1), "and stays recorded");

        throwing.Broken = false;
        Assert.That(await daemon.ReplayDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Is.EqualTo(1));
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(bad), Is.EqualTo(new AsyncThrowingProjection.Seen("boom")));
        Assert.That(await daemon.GetDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Is.Empty);
        Assert.That(await daemon.ReplayDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Is.Zero, "applied once");

        // The replay paused the projection and ran it again: it goes on with new events.
        var later = StreamId.New();
        var end = await CreateAsync(store, later, "Hopper");
        await daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, end.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncThrowingProjection.Seen>(later), Is.EqualTo(new AsyncThrowingProjection.Seen("Hopper")));
        Assert.That(daemon.GetStatus(AsyncThrowingProjection.ProjectionName).DeadLettered, Is.Zero);
    }

    [Test]
    public async Task Under_park_key_other_keys_flow_the_parked_keys_later_events_wait_and_a_replay_after_the_fix_applies_them_in_order()
    {
        var parking = new AsyncParkingProjection();
        var store = await CreateStoreAsync(o => o.Projections.Add(parking));
        await using var daemon = new ProjectionDaemon(store, Fast(AsyncParkingProjection.ProjectionName, ProjectionFailurePolicy.ParkKey));
        await daemon.StartAsync();
        var bad = StreamId.New();
        var other = StreamId.New();
        await CreateAsync(store, bad, "a");
        await CreateAsync(store, other, "b");
        var poison = await RenameAsync(store, bad, "boom");
        await RenameAsync(store, bad, "x");
        await RenameAsync(store, other, "c");
        await RenameAsync(store, bad, "y");
        var last = await RenameAsync(store, other, "d");

        await daemon.WaitForProjectionAsync(AsyncParkingProjection.ProjectionName, last.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(other), Is.EqualTo(new AsyncParkingProjection.Names("b,c,d")),
            "the other key keeps flowing");
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(bad), Is.EqualTo(new AsyncParkingProjection.Names("a")),
            "the parked key's later events wait");
        var parked = await daemon.GetDeadLettersAsync(AsyncParkingProjection.ProjectionName);
        var key = bad.Value.ToString();
        Assert.Multiple(() =>
        {
            Assert.That(parked.Select(p => p.ParkedKey), Is.EqualTo(new[] { key, key, key }));
            Assert.That(parked[0].Position, Is.EqualTo(poison.LogPosition));
            Assert.That(parked[0].Attempts, Is.EqualTo(3));
            Assert.That(parked[0].ErrorMessage, Does.Contain("boom is not a name"));
            Assert.That(parked.Skip(1).Select(p => p.Attempts), Is.All.Zero, "the later ones did not fail: they wait");
            Assert.That(parked.Select(p => p.Position), Is.Ordered);
            Assert.That(daemon.GetStatus(AsyncParkingProjection.ProjectionName).ParkedKeys, Is.EqualTo(1));
            Assert.That(daemon.GetStatus(AsyncParkingProjection.ProjectionName).DeadLettered, Is.Zero);
        });

        Assert.That(await daemon.ReplayParkedAsync(AsyncParkingProjection.ProjectionName, key), Is.Zero, "still broken");
        Assert.That(await daemon.GetDeadLettersAsync(AsyncParkingProjection.ProjectionName), Has.Count.EqualTo(3), "all stay parked, in order");

        parking.Broken = false;
        Assert.That(await daemon.ReplayParkedAsync(AsyncParkingProjection.ProjectionName, key), Is.EqualTo(3));
        Assert.That(await daemon.GetDeadLettersAsync(AsyncParkingProjection.ProjectionName), Is.Empty, "the key is unparked");
        var end = await RenameAsync(store, bad, "z");
        await daemon.WaitForProjectionAsync(AsyncParkingProjection.ProjectionName, end.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(bad), Is.EqualTo(await FreshFoldAsync(store, bad)),
            "the read model equals a fresh fold of the stream");
        Assert.That(await Documents(store).LoadAsync<AsyncParkingProjection.Names>(bad), Is.EqualTo(new AsyncParkingProjection.Names("a,boom,x,y,z")));
    }

    [Test]
    public async Task A_failure_policy_for_a_projection_the_store_does_not_have_is_refused_naming_it()
    {
        var store = await CreateStoreAsync(o => o.Projections.Add(new AsyncParkingProjection()));

        var ex = Assert.Throws<ArgumentException>(() => _ = new ProjectionDaemon(store, Fast("no_such_projection", ProjectionFailurePolicy.DeadLetter)));
        Assert.That(ex!.Message, Does.Contain("FailurePolicies").And.Contain("no_such_projection"));
    }

    /// <summary>The document the (fixed) projection's fold gives from the stream's events, read afresh.</summary>
    private static async Task<AsyncParkingProjection.Names?> FreshFoldAsync(IEventStore store, StreamId id)
    {
        AsyncParkingProjection.Names? names = null;
        await foreach (var e in store.ReadStreamAsync(id))
        {
            names = e.Data switch
            {
                UserCreated created => new AsyncParkingProjection.Names(created.Name),
                UserUpdated updated when names is not null => new AsyncParkingProjection.Names(names.All + "," + updated.Name),
                _ => names,
            };
        }

        return names;
    }
}
