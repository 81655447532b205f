using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The failure policies in PostgreSQL beyond the conformance suite: a dead letter commits with the
/// checkpoint's move or not at all, and a stored row that cannot be read goes through the policy.
/// </summary>
[TestFixture]
[NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
public sealed class AsyncProjectionFailureTests : PostgresFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static ProjectionDaemonOptions DeadLetterOptions(string projection)
    {
        var options = new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.Zero, MaxRetries = 1 };
        options.FailurePolicies[projection] = ProjectionFailurePolicy.DeadLetter;
        return options;
    }

    [Test]
    public async Task A_dead_letter_that_cannot_be_recorded_leaves_the_checkpoint_before_the_event_and_once_it_can_both_commit()
    {
        var store = await NewStoreAsync(o => o.Projections.Add(new AsyncThrowingProjection()));
        // The record refused on purpose: if it were written apart from the checkpoint, the checkpoint would pass the event without it.
        await Database.ExecuteAsync($"""
            CREATE FUNCTION {store.Schema}.refuse_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'dead letters refused by the test'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON {store.Schema}.tb_dead_letters FOR EACH ROW EXECUTE FUNCTION {store.Schema}.refuse_dead_letter();
            """);
        var bad = StreamId.New();
        var poison = await store.AppendAsync(bad, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(bad.Value, "boom", "boom@example.com"))]);
        await using var daemon = new ProjectionDaemon(store, DeadLetterOptions(AsyncThrowingProjection.ProjectionName));
        await daemon.StartAsync();

        Assert.ThrowsAsync<ProjectionWaitTimeoutException>(() =>
            daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, poison.LogPosition, Patience));
        var status = daemon.GetStatus(AsyncThrowingProjection.ProjectionName);
        Assert.Multiple(async () =>
        {
            Assert.That(status.State, Is.EqualTo(ProjectionState.Faulted), "a dead letter that cannot be recorded pauses the projection");
            Assert.That(status.Fault!.Position, Is.EqualTo(poison.LogPosition));
            Assert.That(await store.ReadCheckpointAsync("projection:" + AsyncThrowingProjection.ProjectionName) ?? LogPosition.Start,
                Is.LessThan(poison.LogPosition), "the checkpoint did not move past the event");
            Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {store.Schema}.tb_dead_letters"), Is.Zero);
        });

        await Database.ExecuteAsync($"DROP TRIGGER refuse ON {store.Schema}.tb_dead_letters");
        await daemon.ResumeAsync(AsyncThrowingProjection.ProjectionName);
        await daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, poison.LogPosition, Patience);
        Assert.That(await Database.ScalarAsync<long>(
            $"SELECT count(*) FROM {store.Schema}.tb_dead_letters WHERE tx_id = {poison.LogPosition.TransactionId} AND global_position = {poison.LogPosition.GlobalPosition}"),
            Is.EqualTo(1));
        Assert.That(await store.ReadCheckpointAsync("projection:" + AsyncThrowingProjection.ProjectionName), Is.GreaterThanOrEqualTo(poison.LogPosition));
    }

    [Test]
    public async Task A_stored_row_of_a_handled_type_that_cannot_be_read_is_dead_lettered_and_the_projection_goes_on()
    {
        var store = await NewStoreAsync(o => o.Projections.Add(new AsyncUserDocumentProjection()));
        var bad = StreamId.New();
        await Database.ExecuteAsync(
            $"SELECT \"{store.Schema}\".append_event('{bad}', 'USER_CREATED', '{{\"user_id\": \"not a uuid\", \"name\": \"Bad\", \"email\": \"b@example.com\"}}')");
        var good = StreamId.New();
        var last = await store.AppendAsync(good, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(good.Value, "Ada", "ada@example.com"))]);
        await using var daemon = new ProjectionDaemon(store, DeadLetterOptions(AsyncUserDocumentProjection.ProjectionName));
        await daemon.StartAsync();

        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last.LogPosition, Patience);
        var letters = await daemon.GetDeadLettersAsync(AsyncUserDocumentProjection.ProjectionName);
        Assert.That(letters.Select(l => (l.StreamId, l.EventType, l.ErrorType)),
            Is.EqualTo(new[] { (bad, "USER_CREATED", typeof(EventSerializationException).FullName) }));
        Assert.That(await store.LoadAsync<AsyncUserDocument>(good), Is.Not.Null);
        Assert.That(daemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).LastError, Does.Contain("cannot be read"));
    }

    [Test]
    public async Task A_sql_projection_parks_the_failing_stream_while_other_streams_flow_and_a_replay_runs_its_statements_in_order()
    {
        var schema = NewSchemaName();
        await Database.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS \"{schema}\"; CREATE TABLE \"{schema}\".park_rows (seq bigserial, stream_id uuid NOT NULL, name text NOT NULL)");
        var rows = new ParkRows();
        var store = await NewStoreAsync(o => o.Projections.Add(rows), schema);
        var bad = StreamId.New();
        var other = StreamId.New();
        await store.AppendAsync(bad, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(bad.Value, "a", "a@example.com"))]);
        await store.AppendAsync(other, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(other.Value, "b", "b@example.com"))]);
        await store.AppendAsync(bad, ExpectedVersion.Any, [new NewEvent(new UserUpdated(bad.Value, Name: "boom"))]);
        await store.AppendAsync(other, ExpectedVersion.Any, [new NewEvent(new UserUpdated(other.Value, Name: "c"))]);
        var last = await store.AppendAsync(bad, ExpectedVersion.Any, [new NewEvent(new UserUpdated(bad.Value, Name: "x"))]);
        var options = new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.Zero, MaxRetries = 1 };
        options.FailurePolicies[ParkRows.ProjectionName] = ProjectionFailurePolicy.ParkKey;
        await using var daemon = new ProjectionDaemon(store, options);
        await daemon.StartAsync();

        await daemon.WaitForProjectionAsync(ParkRows.ProjectionName, last.LogPosition, Patience);
        Assert.That(await NamesAsync(schema, bad), Is.EqualTo("a"));
        Assert.That(await NamesAsync(schema, other), Is.EqualTo("b,c"), "the other stream flows");
        Assert.That((await daemon.GetDeadLettersAsync(ParkRows.ProjectionName)).Select(d => d.ParkedKey),
            Is.EqualTo(new[] { bad.Value.ToString(), bad.Value.ToString() }), "parked by stream");

        rows.Broken = false;
        Assert.That(await daemon.ReplayParkedAsync(ParkRows.ProjectionName), Is.EqualTo(2));
        Assert.That(await NamesAsync(schema, bad), Is.EqualTo("a,boom,x"), "its statements ran in log order");
    }

    private Task<string> NamesAsync(string schema, StreamId stream) =>
        Database.ScalarAsync<string>($"SELECT coalesce(string_agg(name, ',' ORDER BY seq), '') FROM \"{schema}\".park_rows WHERE stream_id = '{stream}'");

    /// <summary>Inserts a row per name given, in order; throws on "boom" while <see cref="Broken"/>.</summary>
    private sealed class ParkRows : SqlProjection
    {
        public const string ProjectionName = "park_rows";

        public ParkRows()
            : base(ProjectionName, ProjectionLifecycle.Async)
        {
            Handles<UserCreated>();
            Handles<UserUpdated>();
        }

        public bool Broken { get; set; } = true;

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                var name = e.Data switch { UserCreated c => c.Name, UserUpdated u => u.Name!, _ => "?" };
                if (Broken && name == "boom")
                {
                    throw new InvalidOperationException("boom is not a name");
                }

                writer.Execute("INSERT INTO park_rows (stream_id, name) VALUES ($1, $2)", e.StreamId.Value, name);
            }

            return ValueTask.CompletedTask;
        }
    }
}
