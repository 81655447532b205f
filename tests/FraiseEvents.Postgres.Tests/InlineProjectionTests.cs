using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using FraiseEvents.Snapshots;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>Inline projections on PostgreSQL: the tables and views, SQL projections, and what rides with an append.</summary>
[TestFixture]
public sealed class InlineProjectionTests : PostgresFixture
{
    private async Task<PostgresEventStore> StoreAsync(params IProjection[] projections) =>
        await NewStoreAsync(o =>
        {
            foreach (var projection in projections)
            {
                o.Projections.Add(projection);
            }
        });

    private Task<T> ScalarAsync<T>(PostgresEventStore store, string sql) => Database.ScalarAsync<T>(sql.Replace("@s", $"\"{store.Schema}\"", StringComparison.Ordinal));

    private Task<int> ExecuteAsync(PostgresEventStore store, string sql) => Database.ExecuteAsync(sql.Replace("@s", $"\"{store.Schema}\"", StringComparison.Ordinal));

    [Test]
    public async Task The_view_shows_the_document_as_soon_as_the_append_returns_and_hides_it_once_deleted()
    {
        var store = await StoreAsync(new UserDocumentProjection());
        var id = StreamId.New();

        var created = await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);
        Assert.That(await ScalarAsync<string>(store, $"SELECT data::text FROM @s.v_user_doc WHERE id = '{id}'"),
            Is.EqualTo("""{"name": "Ada", "email": "ada@example.com", "changes": 1}"""));
        Assert.That(await ScalarAsync<long>(store, $"SELECT global_position FROM @s.proj_user_doc WHERE id = '{id}'"),
            Is.EqualTo(created.GlobalPositions[0].Value));

        var renamed = await store.AppendAsync(id, ExpectedVersion.Any,
            [new NewEvent(new UserUpdated(id.Value, Name: "Ada Lovelace")), new NewEvent(new UserUpdated(id.Value, Email: "ada@lovelace.org"))]);
        Assert.That(await ScalarAsync<string>(store, $"SELECT data->>'email' FROM @s.v_user_doc WHERE id = '{id}'"), Is.EqualTo("ada@lovelace.org"));
        Assert.That(await ScalarAsync<string>(store, $"SELECT concat_ws(',', version, global_position, revision) FROM @s.proj_user_doc WHERE id = '{id}'"),
            Is.EqualTo($"3,{renamed.GlobalPositions[^1].Value},2"), "the version and position of the last event applied; one write per append");

        await store.AppendAsync(id, ExpectedVersion.Exactly(3), [new NewEvent(new UserDeleted(id.Value))]);
        Assert.That(await ScalarAsync<long>(store, $"SELECT count(*) FROM @s.v_user_doc WHERE id = '{id}'"), Is.Zero);
        Assert.That(await ScalarAsync<bool>(store, $"SELECT deleted FROM @s.proj_user_doc WHERE id = '{id}'"), Is.True);
    }

    [Test]
    public async Task Document_tables_have_the_documented_columns_and_key_types()
    {
        var store = await StoreAsync(new UserDocumentProjection(), new DomainUsersProjection());
        var columns = await ScalarAsync<string>(store, """
            SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ' ' ORDER BY table_name, ordinal_position)
            FROM information_schema.columns WHERE table_schema = '@schema' AND table_name IN ('proj_user_doc', 'v_users_per_domain')
            """.Replace("@schema", store.Schema, StringComparison.Ordinal));

        Assert.That(columns, Is.EqualTo("proj_user_doc.id:uuid proj_user_doc.data:jsonb proj_user_doc.revision:bigint proj_user_doc.version:integer "
            + "proj_user_doc.global_position:bigint proj_user_doc.deleted:boolean proj_user_doc.created_at:timestamp with time zone "
            + "proj_user_doc.updated_at:timestamp with time zone v_users_per_domain.id:text v_users_per_domain.data:jsonb"));
    }

    [Test]
    public async Task Changing_a_projections_key_type_is_refused_at_start_up_naming_the_projection()
    {
        var first = await StoreAsync(new KeyedBy("keyed", text: false));
        var second = new PostgresEventStore(Database.DataSource, TestEvents.Options(o => o.Projections.Add(new KeyedBy("keyed", text: true))),
            new PostgresEventStoreOptions { Schema = first.Schema });

        var ex = Assert.ThrowsAsync<EventStoreConfigurationException>(() => second.InitializeAsync());
        Assert.That(ex!.Message, Does.Contain("keyed").And.Contain("uuid").And.Contain("text").And.Contain("new name"));
    }

    [Test]
    public async Task A_sql_projection_writes_in_the_appends_transaction_and_a_refused_append_leaves_no_side_write()
    {
        // With the append's status row committed as before, the refused appends below would still
        // have run the projection's INSERTs: the table would hold 1 + 3 rows, not 1.
        var store = await StoreAsync(new EventRows());
        await ExecuteAsync(store, EventRows.CreateTable);
        var id = StreamId.New();
        NewEvent[] created = [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))];
        await store.AppendAsync(id, ExpectedVersion.NoStream, created);
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.event_rows"), Is.EqualTo(1));

        Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(id, ExpectedVersion.Exactly(4), [new NewEvent(new UserUpdated(id.Value, Name: "Late"))]));
        Assert.ThrowsAsync<IdempotencyConflictException>(() =>
            store.AppendAsync(id, ExpectedVersion.Any, [new NewEvent(new UserUpdated(id.Value, Name: "Other")) { EventId = created[0].EventId }]));
        var retry = await store.AppendAsync(id, ExpectedVersion.NoStream, created);

        Assert.That(retry.WasAlreadyAppended, Is.True);
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.event_rows"), Is.EqualTo(1));
        Assert.That(await ScalarAsync<string>(store, "SELECT concat_ws(',', stream_id, event_id, name) FROM @s.event_rows"),
            Is.EqualTo($"{id},{created[0].EventId},Ada"));
    }

    [Test]
    public async Task A_failing_sql_statement_fails_the_append_with_the_projection_named_and_stores_nothing()
    {
        var store = await StoreAsync(new EventRows());
        await ExecuteAsync(store, EventRows.CreateTable);
        var eventsBefore = await ScalarAsync<long>(store, "SELECT count(*) FROM @s.tb_events");
        var id = StreamId.New();

        var ex = Assert.ThrowsAsync<ProjectionFailedException>(() =>
            store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "boom", "boom@example.com"))]));

        Assert.That(ex!.ProjectionName, Is.EqualTo("event_rows"));
        Assert.That(ex.StreamId, Is.EqualTo(id));
        Assert.That(ex.Version, Is.EqualTo(new StreamVersion(1)));
        Assert.That(ex.EventType, Is.EqualTo("USER_CREATED"));
        Assert.That(ex.InnerException, Is.InstanceOf<Npgsql.PostgresException>());
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.tb_events"), Is.EqualTo(eventsBefore));
        Assert.That(await store.GetStreamStateAsync(id), Is.Null);
    }

    [Test]
    public async Task A_throwing_document_projection_leaves_the_event_table_untouched()
    {
        var store = await StoreAsync(new UserDocumentProjection(), new ThrowingProjection());
        var eventsBefore = await ScalarAsync<long>(store, "SELECT count(*) FROM @s.tb_events");
        var id = StreamId.New();

        Assert.ThrowsAsync<ProjectionFailedException>(() =>
            store.AppendAsync(id, ExpectedVersion.Any, [new NewEvent(new UserCreated(id.Value, "boom", "b@example.com"))]));

        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.tb_events"), Is.EqualTo(eventsBefore));
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.proj_user_doc"), Is.Zero);
    }

    [Test]
    public async Task The_retry_of_an_append_with_a_snapshot_does_not_write_the_snapshot_again()
    {
        var store = await StoreAsync(new UserDocumentProjection());
        var id = StreamId.New();
        NewEvent[] created = [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))];
        var snapshot = new SnapshotWrite(new StreamVersion(1), 1, "{\"n\":1}"u8.ToArray());
        await store.AppendWithSnapshotAsync(id, ExpectedVersion.NoStream, created, snapshot);
        var written = await ScalarAsync<DateTime>(store, $"SELECT created_at FROM @s.tb_snapshots WHERE stream_id = '{id}'");

        var retry = await store.AppendWithSnapshotAsync(id, ExpectedVersion.NoStream, created, new SnapshotWrite(new StreamVersion(1), 1, "{\"n\":2}"u8.ToArray()));

        Assert.That(retry.WasAlreadyAppended, Is.True);
        Assert.That(await ScalarAsync<string>(store, $"SELECT snapshot_data::text || created_at FROM @s.tb_snapshots WHERE stream_id = '{id}'"),
            Is.EqualTo(await ScalarAsync<string>(store, $"SELECT '{{\"n\": 1}}' || '{written:yyyy-MM-dd HH:mm:ss.ffffff}+00'::timestamptz")));
    }

    [Test]
    public async Task A_bulk_import_feeds_document_and_sql_projections_in_its_transaction()
    {
        var store = await StoreAsync(new UserDocumentProjection(), new DomainUsersProjection(), new EventRows());
        await ExecuteAsync(store, EventRows.CreateTable);
        var streams = Enumerable.Range(0, 20).Select(i =>
        {
            var id = StreamId.New();
            return new BulkImportStream(id,
            [
                new NewEvent(new UserCreated(id.Value, $"User {i}", $"u{i}@{(i < 5 ? "five" : "rest")}.org")),
                new NewEvent(new UserUpdated(id.Value, Name: $"Renamed {i}")),
            ]);
        }).ToList();

        await store.BulkImportAsync(streams);

        foreach (var (stream, i) in streams.Select((s, i) => (s, i)))
        {
            Assert.That(await store.LoadAsync<UserDocument>(stream.StreamId), Is.EqualTo(new UserDocument($"Renamed {i}", $"u{i}@{(i < 5 ? "five" : "rest")}.org", 2)));
        }

        Assert.That((await store.LoadAsync<DomainUsers>("five.org"))!.Users, Is.EqualTo(5));
        Assert.That((await store.LoadAsync<DomainUsers>("rest.org"))!.Users, Is.EqualTo(15));
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.event_rows"), Is.EqualTo(20));
    }

    [Test]
    public async Task A_bulk_import_whose_projection_fails_imports_nothing()
    {
        var store = await StoreAsync(new UserDocumentProjection(), new EventRows());
        await ExecuteAsync(store, EventRows.CreateTable);
        var ok = StreamId.New();
        var bad = StreamId.New();

        var ex = Assert.ThrowsAsync<ProjectionFailedException>(() => store.BulkImportAsync(
        [
            new BulkImportStream(ok, [new NewEvent(new UserCreated(ok.Value, "Fine", "fine@example.com"))]),
            new BulkImportStream(bad, [new NewEvent(new UserCreated(bad.Value, "boom", "boom@example.com"))]),
        ]));

        Assert.That(ex!.StreamId, Is.EqualTo(bad));
        Assert.That(await store.GetStreamStateAsync(ok), Is.Null);
        Assert.That(await ScalarAsync<long>(store, "SELECT count(*) FROM @s.proj_user_doc"), Is.Zero);
    }

    [Test]
    [NonParallelizable] // listens to Npgsql's activities process-wide; counts only those of its own database
    public async Task A_projection_adds_no_round_trip_when_no_document_must_be_read_and_one_when_it_must()
    {
        var store = await StoreAsync(new UserDocumentProjection(), new EventRows());
        await ExecuteAsync(store, EventRows.CreateTable);
        var id = StreamId.New();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(new MeasurementTaken(1))]); // warm: initialized, pooled

        var create = await RoundTripsAsync(() =>
            store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]));
        var update = await RoundTripsAsync(() =>
            store.AppendAsync(id, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(id.Value, Name: "Ada Lovelace"))]));
        var delete = await RoundTripsAsync(() =>
            store.AppendAsync(id, ExpectedVersion.Any, [new NewEvent(new UserDeleted(id.Value))]));

        Assert.That((create, update, delete), Is.EqualTo((1, 2, 1)), "round trips: create a document, change it, delete it");
    }

    private sealed class KeyedBy : DocumentProjection<KeyedBy.Doc>
    {
        public KeyedBy(string name, bool text)
            : base(name)
        {
            Create<UserCreated>(e => new Doc(e.Name));
            if (text)
            {
                KeyBy<UserCreated>(e => e.Email);
            }
        }

        public sealed record Doc(string Name);
    }

    /// <summary>A SQL projection into a table of the user's: one row per USER_CREATED; a name 'boom' breaks its CHECK.</summary>
    private sealed class EventRows : SqlProjection
    {
        public const string CreateTable =
            "CREATE TABLE @s.event_rows (stream_id uuid NOT NULL, event_id uuid NOT NULL, name text NOT NULL CHECK (name <> 'boom'))";

        public EventRows()
            : base("event_rows") => Handles<UserCreated>();

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                writer.Execute("INSERT INTO event_rows (stream_id, event_id, name) VALUES ($1, $2, $3)", e.StreamId.Value, e.EventId, ((UserCreated)e.Data).Name);
            }

            return ValueTask.CompletedTask;
        }
    }
}
