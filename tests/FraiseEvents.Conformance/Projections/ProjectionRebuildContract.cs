using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Conformance.Projections;

/// <summary>
/// What every store promises about <see cref="ProjectionDaemon.RebuildAsync"/>: a rebuild while the
/// application appends ends with the read model of a fresh fold by the current code (the inline twin's
/// documents); until its swap readers see the old documents; a cancelled rebuild leaves the live
/// projection as it was and a later one works.
/// </summary>
public abstract class ProjectionRebuildContract
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A new, empty store that no other test uses, with <see cref="TestEvents"/> registered, then <paramref name="configure"/> applied.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null);

    /// <summary>Whether the store still holds a rebuild's shadow of <paramref name="projectionName"/> (in PostgreSQL, its table).</summary>
    protected abstract Task<bool> ShadowExistsAsync(IEventStore store, string projectionName);

    private static ProjectionDaemonOptions Fast() => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.FromMilliseconds(1),
        LeaseRetryInterval = TimeSpan.FromMilliseconds(20), MaxRetries = 2, BatchSize = 7,
    };

    private async Task<(IEventStore Store, VersionedUserProjection Projection)> StoreAsync()
    {
        var projection = new VersionedUserProjection();
        var store = await CreateStoreAsync(o => o.Projections.Add<UserDocumentProjection>().Add(projection));
        return (store, projection);
    }

    private static IDocumentReader Documents(IEventStore store) => (IDocumentReader)store;

    private static async Task<(List<StreamId> Streams, LogPosition Last)> AppendUsersAsync(IEventStore store, int streams, int seed, string? first = null)
    {
        var random = new Random(seed);
        var ids = new List<StreamId>();
        var last = LogPosition.Start;
        for (var s = 0; s < streams; s++)
        {
            var id = StreamId.New();
            ids.Add(id);
            var name = s == 0 && first is not null ? first : $"User {seed}.{s}";
            var result = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, name, $"u{s}@example.com"))]);
            for (var u = random.Next(0, 4); u > 0; u--)
            {
                result = await store.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value),
                    [new NewEvent(new UserUpdated(id.Value, Email: $"u{s}.{u}@example.com")), new NewEvent(new MeasurementTaken(u))]);
            }

            if (random.Next(0, 5) == 0)
            {
                result = await store.AppendAsync(id, ExpectedVersion.Exactly(result.NextExpectedVersion.Value), [new NewEvent(new UserDeleted(id.Value))]);
            }

            last = result.LogPosition > last ? result.LogPosition : last;
        }

        return (ids, last);
    }

    /// <summary>Every stream's document equals the inline twin's (a fresh fold) and was built by code <paramref name="code"/>.</summary>
    private static async Task AssertRebuiltAsync(IEventStore store, IEnumerable<StreamId> streams, int code)
    {
        foreach (var id in streams)
        {
            var inline = await Documents(store).LoadAsync<UserDocument>(id);
            var built = await Documents(store).LoadAsync<VersionedUser>(id);
            Assert.That(built is null ? null : new UserDocument(built.Name, built.Email, built.Changes), Is.EqualTo(inline), $"stream {id}");
            if (built is not null)
            {
                Assert.That(built.Code, Is.EqualTo(code), $"stream {id} was built by code {built.Code}");
            }
        }
    }

    [Test]
    public async Task A_rebuild_while_the_application_appends_ends_with_the_fresh_fold_by_the_new_code()
    {
        var (store, projection) = await StoreAsync();
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        var (before, last) = await AppendUsersAsync(store, 20, seed: 1);
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last, Patience);
        await AssertRebuiltAsync(store, before, code: 1);

        projection.Code = 2;
        var appending = Task.Run(() => AppendUsersAsync(store, 30, seed: 2));
        await daemon.RebuildAsync(VersionedUserProjection.ProjectionName);
        var (during, duringLast) = await appending;
        var (after, afterLast) = await AppendUsersAsync(store, 3, seed: 3);
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, afterLast, Patience);

        await AssertRebuiltAsync(store, [.. before, .. during, .. after], code: 2);
        var status = daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName);
        Assert.Multiple(() =>
        {
            Assert.That(status!.State, Is.EqualTo(RebuildState.Completed));
            Assert.That(status.Position, Is.GreaterThanOrEqualTo(last), "the rebuild went at least as far as the live projection was");
            Assert.That(status.EventsDone, Is.GreaterThan(20));
            Assert.That(status.Error, Is.Null);
            Assert.That(daemon.GetStatus(VersionedUserProjection.ProjectionName).Fault, Is.Null);
        });
        Assert.That(duringLast, Is.LessThan(afterLast));
        Assert.That(await ShadowExistsAsync(store, VersionedUserProjection.ProjectionName), Is.False, "the swap leaves no shadow behind");
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("rebuild:" + VersionedUserProjection.ProjectionName), Is.Null,
            "nor the rebuild's checkpoint");
    }

    [Test]
    public async Task Until_the_swap_readers_see_the_old_documents_and_the_live_projection_goes_on()
    {
        var (store, projection) = await StoreAsync();
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        var (before, last) = await AppendUsersAsync(store, 10, seed: 4, first: "gate");
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last, Patience);

        projection.Code = 2;
        using var gate = new ManualResetEventSlim();
        projection.Gate = gate;
        // On a thread of its own: the in-memory store folds synchronously up to the gate.
        var rebuilding = Task.Run(() => daemon.RebuildAsync(VersionedUserProjection.ProjectionName));
        Assert.That(await projection.Reached.WaitAsync(Patience), Is.True, "the rebuild reached the gate");

        var status = daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName);
        Assert.That(status!.State, Is.EqualTo(RebuildState.Building));
        await AssertRebuiltAsync(store, before, code: 1);
        Assert.That(await ShadowExistsAsync(store, VersionedUserProjection.ProjectionName), Is.True);
        // The live projection goes on meanwhile, on the old documents.
        var extra = StreamId.New();
        var appended = await store.AppendAsync(extra, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(extra.Value, "Ada", "ada@example.com"))]);
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, appended.LogPosition, Patience);
        Assert.That(await Documents(store).LoadAsync<VersionedUser>(extra), Is.EqualTo(new VersionedUser("Ada", "ada@example.com", 1, 2)));
        await AssertRebuiltAsync(store, before, code: 1);
        Assert.That(rebuilding.IsCompleted, Is.False);

        gate.Set();
        await rebuilding;
        await AssertRebuiltAsync(store, [.. before, extra], code: 2);
    }

    [Test]
    public async Task A_cancelled_rebuild_leaves_the_live_projection_as_it_was_and_a_later_rebuild_works()
    {
        var (store, projection) = await StoreAsync();
        await using var daemon = new ProjectionDaemon(store, Fast());
        await daemon.StartAsync();
        var (streams, last) = await AppendUsersAsync(store, 10, seed: 5, first: "gate");
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last, Patience);

        projection.Code = 2;
        using var gate = new ManualResetEventSlim();
        projection.Gate = gate;
        using var cancel = new CancellationTokenSource();
        var rebuilding = Task.Run(() => daemon.RebuildAsync(VersionedUserProjection.ProjectionName, cancel.Token));
        Assert.That(await projection.Reached.WaitAsync(Patience), Is.True, "the rebuild reached the gate");
        await cancel.CancelAsync();
        gate.Set();

        Assert.That(async () => await rebuilding, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName)!.State, Is.EqualTo(RebuildState.Cancelled));
        await AssertRebuiltAsync(store, streams, code: 1);
        Assert.That(await ShadowExistsAsync(store, VersionedUserProjection.ProjectionName), Is.False, "the cancelled rebuild dropped its shadow");
        Assert.That(daemon.GetStatus(VersionedUserProjection.ProjectionName).Fault, Is.Null);

        projection.Gate = null;
        await daemon.RebuildAsync(VersionedUserProjection.ProjectionName);
        await AssertRebuiltAsync(store, streams, code: 2);
        Assert.That(daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName)!.State, Is.EqualTo(RebuildState.Completed));
    }

    [Test]
    public async Task A_daemon_that_is_not_started_rebuilds_under_the_projections_lock_and_the_projection_then_runs_on_from_there()
    {
        var (store, projection) = await StoreAsync();
        var (streams, last) = await AppendUsersAsync(store, 10, seed: 6);
        await using (var first = new ProjectionDaemon(store, Fast()))
        {
            await first.StartAsync();
            await first.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last, Patience);
        }

        await AssertRebuiltAsync(store, streams, code: 1);
        projection.Code = 3;
        await using var daemon = new ProjectionDaemon(store, Fast());

        await daemon.RebuildAsync(VersionedUserProjection.ProjectionName);

        var status = daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName)!;
        Assert.That(status.State, Is.EqualTo(RebuildState.Completed));
        Assert.That(await ((ICheckpointStore)store).ReadCheckpointAsync("projection:" + VersionedUserProjection.ProjectionName),
            Is.EqualTo(status.Position).And.GreaterThanOrEqualTo(last), "the live checkpoint moved to the rebuild's, at least as far as it was");
        await AssertRebuiltAsync(store, streams, code: 3);
        await daemon.StartAsync();
        var (more, moreLast) = await AppendUsersAsync(store, 2, seed: 7);
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, moreLast, Patience);
        await AssertRebuiltAsync(store, [.. streams, .. more], code: 3);
    }

    [Test]
    public async Task Rebuilding_a_sql_projection_is_refused_saying_what_to_do_instead()
    {
        var store = await CreateStoreAsync(o => o.Projections.Add(new NoOpSqlProjection()));
        await using var daemon = new ProjectionDaemon(store, Fast());

        var ex = Assert.ThrowsAsync<NotSupportedException>(() => daemon.RebuildAsync(NoOpSqlProjection.ProjectionName));
        Assert.That(ex!.Message, Does.Contain("reset its checkpoint").And.Contain("projection:" + NoOpSqlProjection.ProjectionName));
        Assert.That(() => daemon.RebuildAsync("nope"), Throws.ArgumentException);
        Assert.That(daemon.GetRebuildStatus(NoOpSqlProjection.ProjectionName), Is.Null);
    }

    private sealed class NoOpSqlProjection : SqlProjection
    {
        public const string ProjectionName = "noop_sql";

        public NoOpSqlProjection()
            : base(ProjectionName, ProjectionLifecycle.Async) => Handles<UserCreated>();

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken = default) =>
            ValueTask.CompletedTask;
    }
}
