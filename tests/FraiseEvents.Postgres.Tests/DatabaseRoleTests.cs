using FraiseEvents.Subscriptions;
using FraiseEvents.Aggregates;
using FraiseEvents.Auditing;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using FraiseEvents.Snapshots;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The role model of migration 0005 with real roles: an owner that migrates, an application role
/// granted by fe_grant_application_role, a reader granted by fe_grant_reader_role, and a role
/// granted nothing. Roles are cluster-wide, so their names carry the process id and a counter,
/// and they are dropped with everything they own when the fixture ends.
/// </summary>
[TestFixture]
public sealed class DatabaseRoleTests : PostgresFixture
{
    private const string Password = "fe-role-test";
    private static int _fixtures;

    private readonly string _suffix = $"{Environment.ProcessId}_{Interlocked.Increment(ref _fixtures)}";
    private readonly Dictionary<string, NpgsqlDataSource> _dataSources = [];
    private readonly List<PostgresEventStore> _roleStores = [];

    private string Owner => "fe_owner_" + _suffix;

    private string App => "fe_app_" + _suffix;

    private string Reader => "fe_reader_" + _suffix;

    private string Stranger => "fe_stranger_" + _suffix;

    private string[] Roles => [Owner, App, Reader, Stranger];

    [OneTimeSetUp]
    public async Task CreateRolesAsync()
    {
        foreach (var role in Roles)
        {
            await Database.ExecuteAsync($"DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD '{Password}'");
        }
    }

    [OneTimeTearDown]
    public async Task DropRolesAsync()
    {
        foreach (var store in _roleStores)
        {
            await store.DisposeAsync();
        }

        foreach (var dataSource in _dataSources.Values)
        {
            await dataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        // DROP OWNED works per database: it drops the schemas the owner holds here and revokes every grant.
        await Database.ExecuteAsync($"DROP OWNED BY {string.Join(", ", Roles)} CASCADE");
        foreach (var role in Roles)
        {
            await Database.ExecuteAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    [TestCase("INSERT INTO @s.tb_events (id, stream_id, event_type, event_version, event_data) VALUES (gen_random_uuid(), gen_random_uuid(), 'USER_CREATED', 1, '{}')")]
    [TestCase("UPDATE @s.tb_events SET tx_id = 0")]
    [TestCase("DELETE FROM @s.tb_events")]
    [TestCase("TRUNCATE @s.tb_events")]
    [TestCase("INSERT INTO @s.tb_streams (stream_id, version) VALUES (gen_random_uuid(), 5)")]
    [TestCase("UPDATE @s.tb_streams SET version = version + 1")]
    [TestCase("DELETE FROM @s.tb_streams")]
    [TestCase("TRUNCATE @s.tb_streams")]
    [TestCase("INSERT INTO @s.tb_snapshots (stream_id, snapshot_version, snapshot_data, version_created_at) VALUES (gen_random_uuid(), 1, '{}', now())")]
    [TestCase("UPDATE @s.tb_snapshots SET snapshot_data = '{}'")]
    [TestCase("DELETE FROM @s.tb_snapshots")]
    [TestCase("TRUNCATE @s.tb_snapshots")]
    [TestCase("INSERT INTO @s.proj_user_doc (id, data, revision, version, global_position) VALUES (gen_random_uuid(), '{}', 1, 1, 1)")]
    [TestCase("UPDATE @s.proj_user_doc SET data = '{}'")]
    [TestCase("DELETE FROM @s.proj_user_doc")]
    [TestCase("TRUNCATE @s.proj_user_doc")]
    [TestCase("UPDATE @s.tb_store_info SET tx_offset = tx_offset + 1000")]
    [TestCase("INSERT INTO @s.tb_checkpoints (consumer_name) VALUES ('forged')")]
    [TestCase("INSERT INTO @s.tb_projections (name, kind) VALUES ('forged', 'sql')")]
    [TestCase("SELECT @s.rebase_transaction_ids()")]
    public async Task The_application_role_cannot_write_any_table_directly(string statement)
    {
        var schema = await NewOwnedSchemaAsync();
        var store = await AppStoreAsync(schema, new UserDocumentProjection());
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created())]);

        var error = Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(App, statement.Replace("@s", schema, StringComparison.Ordinal)));

        Assert.That(error!.SqlState, Is.EqualTo("42501"), error.MessageText);
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.tb_events"), Is.EqualTo(1));
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.proj_user_doc"), Is.EqualTo(1));
    }

    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task The_application_role_runs_the_library_end_to_end_with_only_execute_and_select()
    {
        var schema = await NewOwnedSchemaAsync();
        // A SQL projection's statements run as the application's role: the user grants on the user's own table.
        await Database.ExecuteAsync($"CREATE TABLE {schema}.role_rows (event_id uuid PRIMARY KEY, name text NOT NULL); "
            + $"GRANT INSERT ON {schema}.role_rows TO {App}");
        // The document projection does not exist yet: the application's store creates it at start-up, without CREATE on the schema.
        var store = await AppStoreAsync(schema, new UserDocumentProjection(), new RoleRows());
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(2) });

        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        var created = await users.SaveAsync(user);
        user.Update(name: "Ada Lovelace");
        await users.SaveAsync(user);
        user.Update(email: "ada@lovelace.org");
        await users.SaveAsync(user);
        var (other, third) = (StreamId.New(), StreamId.New());
        await store.AppendToStreamsAsync(
        [
            new StreamAppend(other, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(other.Value, "Grace", "grace@example.com"))]),
            new StreamAppend(third, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(third.Value, "Alan", "alan@example.com"))]),
        ]);

        var loaded = await users.GetAsync(user.Id);
        var stream = await store.ReadStreamAsync(user.Id).ToListAsync();
        var log = await store.ReadAllAsync(LogPosition.Start).ToListAsync();
        var state = await store.GetStreamStateAsync(user.Id);
        var document = await store.LoadAsync<UserDocument>(user.Id);
        var trail = await store.ReadAuditTrailAsync(AuditQuery.ForStream(user.Id));
        var asCreated = await users.LoadAsOfAsync(user.Id, created!.CreatedAt);

        Assert.That(await Database.ScalarAsync<string>($"SELECT tableowner FROM pg_tables WHERE schemaname = '{schema}' AND tablename = 'proj_user_doc'"),
            Is.EqualTo(Owner), "the projection's table belongs to the owner");
        Assert.That(loaded.ToModel(), Is.EqualTo(new UserModel("Ada Lovelace", "ada@lovelace.org", true, false, 3)));
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.tb_snapshots WHERE stream_id = '{user.Id}'"), Is.EqualTo(1),
            "a snapshot at version 2, written with the append");
        Assert.That(stream, Has.Count.EqualTo(3));
        Assert.That(log.Select(e => e.StreamId), Is.EqualTo(new[] { user.Id, user.Id, user.Id, other, third }));
        Assert.That(state!.Version, Is.EqualTo(new StreamVersion(3)));
        Assert.That(document, Is.EqualTo(new UserDocument("Ada Lovelace", "ada@lovelace.org", 3)));
        Assert.That(await Database.ScalarAsync<string>($"SELECT string_agg(name, ',' ORDER BY name) FROM {schema}.role_rows"), Is.EqualTo("Ada,Alan,Grace"));
        Assert.That(trail.Events, Has.Count.EqualTo(3));
        Assert.That(asCreated!.ToModel(), Is.EqualTo(new UserModel("Ada", "ada@example.com", true, false, 1)), "time travel");

        // A consumer's checkpoint, through the function: the table itself is not writable (above).
        Assert.That(await ScalarAsync<bool>(App, $"SELECT {schema}.advance_checkpoint('billing', 0, 0, {log[^1].LogPosition.TransactionId}, {log[^1].GlobalPosition.Value})"),
            Is.True);
    }

    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task The_application_role_runs_a_filtered_subscription_and_the_reader_role_reads_its_checkpoint()
    {
        var schema = await NewOwnedSchemaAsync();
        var store = await AppStoreAsync(schema);
        var wanted = StreamId.New();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(new MeasurementTaken(1))]);
        await store.AppendAsync(wanted, ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created())]);
        var delivered = new List<StreamId>();
        var options = new SubscriptionOptions { PollInterval = TimeSpan.FromMilliseconds(10) };
        options.EventTypes.Add("USER_CREATED");
        await using var subscription = new Subscription("role-mailer", store, (e, _) =>
        {
            lock (delivered)
            {
                delivered.Add(e.StreamId);
            }

            return ValueTask.CompletedTask;
        }, options);

        await subscription.StartAsync();
        for (var waited = 0; waited < 9000 && subscription.Status.State != SubscriptionState.Live; waited++)
        {
            await Task.Delay(10);
        }

        await subscription.StopAsync();
        var reader = RoleStore(Reader, schema);

        Assert.That(subscription.Status.Fault, Is.Null);
        Assert.That(delivered, Is.EqualTo(new[] { wanted }), "read_log_filtered is granted to the application's role");
        Assert.That(await reader.ReadCheckpointAsync("role-mailer"), Is.EqualTo(subscription.Status.Checkpoint));
        Assert.That(subscription.Status.Checkpoint, Is.Not.EqualTo(LogPosition.Start));
        var refused = Assert.ThrowsAsync<EventStoreConfigurationException>(() =>
            reader.CompareAndSetCheckpointAsync("role-mailer", subscription.Status.Checkpoint, LogPosition.Start));
        Assert.That(refused!.Message, Does.Contain("fe_grant_application_role"));
    }

    [Test]
    [NonParallelizable] // names the oldest open transaction of the cluster, which parallel tests' transactions could be
    public async Task The_application_role_asks_what_holds_the_log_back_and_learns_the_process_and_application_of_another_roles_transaction()
    {
        var schema = await NewOwnedSchemaAsync();
        var store = await AppStoreAsync(schema);
        Assert.That(await store.GetLogHoldUpAsync(), Is.Null);

        await using var holder = await DataSourceFor(Stranger).OpenConnectionAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("SELECT set_config('application_name', 'stranger-report', false), pg_current_xact_id()", holder, transaction))
        {
            await take.ExecuteNonQueryAsync();
        }

        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(TestEvents.Created())]);
        var holdUp = await store.GetLogHoldUpAsync();

        Assert.That(holdUp, Is.Not.Null, "fe_log_hold_up is granted to the application's role");
        Assert.That(holdUp!.ProcessId, Is.EqualTo(holder.ProcessID));
        Assert.That(holdUp.ApplicationName, Is.EqualTo("stranger-report"));
        Assert.That(holdUp.State, Is.Null, "the owner may not see another role's session state without pg_read_all_stats");
        Assert.That(await Database.ScalarAsync<bool>($"SELECT has_function_privilege('{App}', '{schema}.fe_notify_log(text)', 'EXECUTE')"), Is.True);
        Assert.That(await Database.ScalarAsync<bool>($"SELECT has_function_privilege('{Reader}', '{schema}.fe_notify_log(text)', 'EXECUTE')"), Is.False);
        Assert.That(await Database.ScalarAsync<bool>($"SELECT has_function_privilege('{Stranger}', '{schema}.fe_log_hold_up()', 'EXECUTE')"), Is.False,
            "fe_log_hold_up runs as the owner: PUBLIC may not call it");
        await transaction.RollbackAsync();
    }

    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task The_application_role_runs_the_projection_daemon_with_its_lock_documents_statements_and_checkpoints()
    {
        var schema = await NewOwnedSchemaAsync();
        await Database.ExecuteAsync($"CREATE TABLE {schema}.role_rows (event_id uuid PRIMARY KEY, name text NOT NULL); "
            + $"GRANT INSERT ON {schema}.role_rows TO {App}");
        var store = await AppStoreAsync(schema, new AsyncUserDocumentProjection(), new RoleRows(ProjectionLifecycle.Async));
        var id = StreamId.New();
        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);
        var last = await store.AppendAsync(id, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(id.Value, Name: "Ada L"))]);
        await using var daemon = new ProjectionDaemon(store, new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10) });

        await daemon.StartAsync();
        await daemon.WaitForProjectionAsync(AsyncUserDocumentProjection.ProjectionName, last.LogPosition, TimeSpan.FromSeconds(90));
        await daemon.WaitForProjectionAsync("role_rows", last.LogPosition, TimeSpan.FromSeconds(90));
        // Its runners contend only after its first count, so by now it has taken its member slot.
        var members = await Database.ScalarAsync<int>($"SELECT {schema}.fe_count_projection_daemons()");
        await daemon.StopAsync();
        Assert.That(members, Is.EqualTo(1), "the application role announced its daemon among the store's live daemons");
        Assert.That(await Database.ScalarAsync<int>($"SELECT {schema}.fe_count_projection_daemons()"), Is.Zero, "a stopped daemon leaves its slot");

        Assert.That(daemon.Statuses.Select(s => s.Fault), Is.All.Null);
        Assert.That(await store.LoadAsync<AsyncUserDocument>(id), Is.EqualTo(new AsyncUserDocument("Ada L", "ada@example.com", 2)));
        Assert.That(await Database.ScalarAsync<string>($"SELECT name FROM {schema}.role_rows"), Is.EqualTo("Ada"));
        var reader = RoleStore(Reader, schema);
        Assert.That(await reader.ReadCheckpointAsync("projection:role_rows"), Is.GreaterThanOrEqualTo(last.LogPosition));

        // The reader role may not run projections: its daemon faults at once, saying what to grant.
        var readerStore = RoleStore(Reader, schema, projections: [new AsyncUserDocumentProjection()]);
        await using var readerDaemon = new ProjectionDaemon(readerStore, new ProjectionDaemonOptions { MaxRetries = 0 });
        await readerDaemon.StartAsync();
        for (var waited = 0; waited < 9000 && readerDaemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).State != ProjectionState.Faulted; waited++)
        {
            await Task.Delay(10);
        }

        var refused = readerDaemon.GetStatus(AsyncUserDocumentProjection.ProjectionName).Fault;
        Assert.That(refused!.Error, Is.InstanceOf<EventStoreConfigurationException>());
        Assert.That(refused.Error.Message, Does.Contain("fe_grant_application_role").And.Contain("fe_try_lock_projection"));
    }

    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task The_application_role_dead_letters_parks_and_replays_events_and_the_reader_role_lists_them()
    {
        var schema = await NewOwnedSchemaAsync();
        var throwing = new AsyncThrowingProjection();
        var parking = new AsyncParkingProjection();
        var store = await AppStoreAsync(schema, throwing, parking);
        var bad = StreamId.New();
        await store.AppendAsync(bad, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(bad.Value, "boom", "boom@example.com"))]);
        var last = await store.AppendAsync(bad, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(bad.Value, Name: "boom"))]);
        var options = new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10), RetryDelay = TimeSpan.Zero, MaxRetries = 1 };
        options.FailurePolicies[AsyncThrowingProjection.ProjectionName] = ProjectionFailurePolicy.DeadLetter;
        options.FailurePolicies[AsyncParkingProjection.ProjectionName] = ProjectionFailurePolicy.ParkKey;
        await using var daemon = new ProjectionDaemon(store, options);

        await daemon.StartAsync();
        await daemon.WaitForProjectionAsync(AsyncThrowingProjection.ProjectionName, last.LogPosition, TimeSpan.FromSeconds(90));
        await daemon.WaitForProjectionAsync(AsyncParkingProjection.ProjectionName, last.LogPosition, TimeSpan.FromSeconds(90));

        await using var readerDaemon = new ProjectionDaemon(RoleStore(Reader, schema, projections: [new AsyncThrowingProjection(), new AsyncParkingProjection()]));
        Assert.That((await readerDaemon.GetDeadLettersAsync(AsyncThrowingProjection.ProjectionName)).Select(d => d.IsParked), Is.EqualTo(new[] { false }));
        Assert.That((await readerDaemon.GetDeadLettersAsync(AsyncParkingProjection.ProjectionName)).Select(d => d.ParkedKey),
            Is.EqualTo(new[] { bad.Value.ToString() }));

        throwing.Broken = false;
        parking.Broken = false;
        Assert.That(await daemon.ReplayDeadLettersAsync(AsyncThrowingProjection.ProjectionName), Is.EqualTo(1));
        Assert.That(await daemon.ReplayParkedAsync(AsyncParkingProjection.ProjectionName), Is.EqualTo(1));
        Assert.That(await store.LoadAsync<AsyncThrowingProjection.Seen>(bad), Is.EqualTo(new AsyncThrowingProjection.Seen("boom")));
        Assert.That(await store.LoadAsync<AsyncParkingProjection.Names>(bad), Is.EqualTo(new AsyncParkingProjection.Names("boom,boom")));
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.tb_dead_letters"), Is.Zero);
    }

    [Test]
    public async Task A_store_moved_to_another_cluster_starts_as_the_application_role_and_records_its_new_origin()
    {
        var schema = await NewOwnedSchemaAsync();
        await Database.ExecuteAsync($"UPDATE {schema}.tb_store_info SET system_identifier = 1, timeline_id = 7");

        var store = await AppStoreAsync(schema);

        Assert.That(await Database.ScalarAsync<long>($"SELECT system_identifier FROM {schema}.tb_store_info"),
            Is.EqualTo(await Database.ScalarAsync<long>("SELECT (pg_control_system()).system_identifier")));
        Assert.That(await Database.ScalarAsync<int>($"SELECT timeline_id FROM {schema}.tb_store_info"), Is.Not.EqualTo(7));
        Assert.That((await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1))).NextExpectedVersion,
            Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public async Task A_callers_temporary_tables_cannot_redirect_the_functions_that_run_as_the_owner()
    {
        var schema = await NewOwnedSchemaAsync();
        var streamId = Guid.NewGuid();

        // One session: temporary tables live as long as it does.
        await using var connection = await DataSourceFor(App).OpenConnectionAsync();
        await using (var shadow = new NpgsqlCommand(
            $"CREATE TEMP TABLE tb_events (LIKE {schema}.tb_events); CREATE TEMP TABLE tb_streams (LIKE {schema}.tb_streams); "
            + "CREATE TEMP TABLE tb_store_info (LIKE " + schema + ".tb_store_info)", connection))
        {
            await shadow.ExecuteNonQueryAsync();
        }

        await using (var append = new NpgsqlCommand($"SELECT {schema}.append_event('{streamId}', 'USER_CREATED', '{{}}')", connection))
        {
            await append.ExecuteNonQueryAsync();
        }

        await using var shadowed = new NpgsqlCommand("SELECT (SELECT count(*) FROM pg_temp.tb_events) + (SELECT count(*) FROM pg_temp.tb_streams)", connection);
        Assert.That((long)(await shadowed.ExecuteScalarAsync())!, Is.Zero, "nothing was written into the caller's temporary tables");
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.tb_events WHERE stream_id = '{streamId}'"), Is.EqualTo(1));
    }

    [Test]
    public async Task A_role_granted_nothing_gets_a_typed_error_naming_the_grant_to_run()
    {
        var schema = await NewOwnedSchemaAsync();
        var store = RoleStore(Stranger, schema);

        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() => store.InitializeAsync());

        Assert.That(error!.Message, Does.Contain($"\"{schema}\".fe_grant_application_role('{Stranger}')").And.Contain("42501"));
        Assert.That(error.InnerException, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState)).EqualTo("42501"));
    }

    [Test]
    public async Task The_reader_role_reads_and_an_append_as_it_is_a_typed_error_naming_the_grant()
    {
        var schema = await NewOwnedSchemaAsync();
        var streamId = StreamId.New();
        await (await AppStoreAsync(schema)).AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));
        var reader = RoleStore(Reader, schema);

        var events = await reader.ReadStreamAsync(streamId).ToListAsync();
        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() =>
            reader.AppendAsync(streamId, ExpectedVersion.Exactly(2), TestEvents.Batch(1)));

        Assert.That(events, Has.Count.EqualTo(2));
        Assert.That(error!.Message, Does.Contain($"fe_grant_application_role('{Reader}')").And.Contain("try_append_events"));
        Assert.That(await Database.ScalarAsync<long>($"SELECT count(*) FROM {schema}.tb_events"), Is.EqualTo(2));
    }

    [Test]
    public async Task Applying_a_pending_migration_as_the_application_role_is_a_typed_error_naming_the_owner()
    {
        var schema = NewSchemaName();
        await Database.ExecuteAsync($"CREATE SCHEMA {schema} AUTHORIZATION {Owner}; GRANT USAGE ON SCHEMA {schema} TO {App}");
        var store = RoleStore(App, schema, applyMigrations: true);

        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() => store.InitializeAsync());

        Assert.That(error!.Message, Does.Contain("owner").And.Contain("ApplyMigrationsOnStartup = false"));
        Assert.That(error.InnerException, Is.InstanceOf<PostgresException>().With.Property(nameof(PostgresException.SqlState)).EqualTo("42501"));
    }

    [Test]
    public async Task Upgrading_to_0005_moves_existing_projections_and_application_roles_to_the_owner_functions()
    {
        // A store at 0004 with a document projection, and an application role with the grants documented before 0005.
        var schema = NewSchemaName();
        await Database.ExecuteAsync($"CREATE SCHEMA {schema} AUTHORIZATION {Owner}");
        foreach (var file in Directory.GetFiles(Path.Combine(TestContext.CurrentContext.TestDirectory, "migrations"), "*.sql").Order()
                     .Where(f => string.CompareOrdinal(Path.GetFileName(f), "0005") < 0))
        {
            await ExecuteAsync(Owner, $"SET search_path TO {schema};\n" + await File.ReadAllTextAsync(file));
        }

        await ExecuteAsync(Owner, $"SET search_path TO {schema}; SELECT fe_ensure_document_projection('{UserDocumentProjection.ProjectionName}', 'uuid'); "
            + $"GRANT USAGE ON SCHEMA {schema} TO {App}; GRANT SELECT, INSERT ON tb_events TO {App}; "
            + $"GRANT SELECT, INSERT, UPDATE ON tb_streams, proj_user_doc TO {App}");
        Assert.That(await Database.ScalarAsync<bool>($"SELECT prosecdef FROM pg_proc WHERE oid = '{schema}.fe_write_proj_user_doc'::regproc"), Is.False);

        await RoleStore(Owner, schema, applyMigrations: true).InitializeAsync();
        var store = await AppStoreAsync(schema, new UserDocumentProjection());
        var id = StreamId.New();
        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);

        Assert.That(await store.LoadAsync<UserDocument>(id), Is.EqualTo(new UserDocument("Ada", "ada@example.com", 1)));
        Assert.That(await Database.ScalarAsync<string>(
                $"SELECT concat_ws(' ', prosecdef, array_to_string(proconfig, ',')) FROM pg_proc WHERE oid = '{schema}.fe_write_proj_user_doc'::regproc"),
            Does.StartWith($"t search_path={schema}, pg_temp"));
        Assert.That(await Database.ScalarAsync<bool>(
                $"SELECT has_function_privilege('{Stranger}', '{schema}.fe_write_proj_user_doc'::regproc, 'EXECUTE') "
                + $"OR has_function_privilege('{Stranger}', '{schema}.fe_read_proj_user_doc'::regproc, 'EXECUTE') "
                + $"OR has_function_privilege('{Stranger}', '{schema}.append_event'::regproc, 'EXECUTE')"),
            Is.False, "PUBLIC may no longer call the functions that run as the owner");
    }

    [Test]
    public async Task An_application_role_asking_for_the_author_index_is_told_how_the_owner_creates_it_and_starts_once_it_exists()
    {
        var schema = await NewOwnedSchemaAsync();

        var error = Assert.ThrowsAsync<EventStoreConfigurationException>(() => RoleStore(App, schema, indexEventsByAuthor: true).InitializeAsync());
        Assert.That(error!.Message, Does.Contain($"\"{schema}\".fe_index_events_by_author()").And.Contain("IndexEventsByAuthor"));

        await ExecuteAsync(Owner, $"SELECT {schema}.fe_index_events_by_author()");
        await RoleStore(App, schema, indexEventsByAuthor: true).InitializeAsync();
        Assert.That(await Database.ScalarAsync<bool>($"SELECT to_regclass('{schema}.idx_events_by_author') IS NOT NULL"), Is.True);
    }

    /// <summary>A schema that the owner role holds and has migrated, with the application and reader roles granted.</summary>
    [Test]
    [NonParallelizable] // reads the global log, which open transactions of parallel tests would hold back
    public async Task The_application_role_rebuilds_a_projection_and_the_reader_role_reads_the_swapped_in_table_and_view()
    {
        var schema = await NewOwnedSchemaAsync();
        var projection = new VersionedUserProjection();
        var store = await AppStoreAsync(schema, projection);
        var id = StreamId.New();
        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(id.Value, "Ada", "ada@example.com"))]);
        var last = await store.AppendAsync(id, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(id.Value, Name: "Ada L"))]);
        await using var daemon = new ProjectionDaemon(store, new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        await daemon.StartAsync();
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last.LogPosition, TimeSpan.FromSeconds(90));

        projection.Code = 2;
        await daemon.RebuildAsync(VersionedUserProjection.ProjectionName);

        Assert.That(daemon.GetRebuildStatus(VersionedUserProjection.ProjectionName)!.State, Is.EqualTo(RebuildState.Completed));
        Assert.That(await store.LoadAsync<VersionedUser>(id), Is.EqualTo(new VersionedUser("Ada L", "ada@example.com", 2, 2)));
        Assert.That(await ScalarAsync<string>(Reader, $"SELECT data->>'code' FROM {schema}.v_user_versioned"), Is.EqualTo("2"),
            "the reader role reads the view, repointed to the new table");
        Assert.That(await ScalarAsync<long>(Reader, $"SELECT count(*) FROM {schema}.proj_user_versioned WHERE NOT deleted"), Is.EqualTo(1),
            "and the new table, which took the old one's grants");
        Assert.That(await RoleStore(Reader, schema, projections: [new VersionedUserProjection()]).LoadAsync<VersionedUser>(id),
            Is.EqualTo(new VersionedUser("Ada L", "ada@example.com", 2, 2)), "and loads through fe_read_proj_<name>, which now reads the new table");
        Assert.That(await Database.ScalarAsync<string>(
                $"SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = '{schema}'::regnamespace AND relname LIKE 'proj_user_versioned%'"),
            Is.EqualTo("proj_user_versioned,proj_user_versioned_pkey"), "no shadow or old table is left, and the key has its usual name");
        Assert.That(() => ExecuteAsync(App, $"DROP TABLE {schema}.proj_user_versioned"), Throws.InstanceOf<PostgresException>(),
            "the application role still has no DDL right of its own");
    }

    private async Task<string> NewOwnedSchemaAsync()
    {
        var schema = NewSchemaName();
        await Database.ExecuteAsync($"CREATE SCHEMA {schema} AUTHORIZATION {Owner}");
        var owner = RoleStore(Owner, schema, applyMigrations: true);
        await owner.InitializeAsync();
        await ExecuteAsync(Owner, $"SELECT {schema}.fe_grant_application_role('{App}'); SELECT {schema}.fe_grant_reader_role('{Reader}')");
        return schema;
    }

    private async Task<PostgresEventStore> AppStoreAsync(string schema, params IProjection[] projections)
    {
        var store = RoleStore(App, schema, projections: projections);
        await store.InitializeAsync();
        return store;
    }

    private PostgresEventStore RoleStore(string role, string schema, bool applyMigrations = false, IProjection[]? projections = null,
        bool indexEventsByAuthor = false)
    {
        var store = new PostgresEventStore(DataSourceFor(role), TestEvents.Options(o =>
        {
            foreach (var projection in projections ?? [])
            {
                o.Projections.Add(projection);
            }
        }), new PostgresEventStoreOptions { Schema = schema, ApplyMigrationsOnStartup = applyMigrations, IndexEventsByAuthor = indexEventsByAuthor });
        lock (_roleStores)
        {
            _roleStores.Add(store);
        }

        return store;
    }

    private NpgsqlDataSource DataSourceFor(string role)
    {
        lock (_dataSources)
        {
            if (!_dataSources.TryGetValue(role, out var dataSource))
            {
                dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Database.ConnectionString)
                {
                    Username = role,
                    Password = Password,
                    MaxPoolSize = 10,
                }.ConnectionString);
                _dataSources[role] = dataSource;
            }

            return dataSource;
        }
    }

    private async Task ExecuteAsync(string role, string sql)
    {
        await using var command = DataSourceFor(role).CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string role, string sql)
    {
        await using var command = DataSourceFor(role).CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A SQL projection writing into a table of the user's own.</summary>
    private sealed class RoleRows : SqlProjection
    {
        public RoleRows(ProjectionLifecycle lifecycle = ProjectionLifecycle.Inline)
            : base("role_rows", lifecycle) => Handles<UserCreated>();

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            foreach (var e in events)
            {
                writer.Execute("INSERT INTO role_rows (event_id, name) VALUES ($1, $2)", e.EventId, ((UserCreated)e.Data).Name);
            }

            return ValueTask.CompletedTask;
        }
    }
}
