using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>The SQL functions as non-.NET code calls them: the documented signatures keep working.</summary>
[TestFixture]
public sealed class SqlFunctionTests : PostgresFixture
{
    [Test]
    public async Task Documented_append_event_calls_work_positionally_and_by_name_and_the_store_reads_them()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        var userId = Guid.NewGuid();
        var admin = Guid.NewGuid();

        var firstId = await Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'USER_CREATED', $2::jsonb)",
            streamId.Value, $$"""{"user_id": "{{userId}}", "name": "Ada", "email": "ada@example.com"}""");
        var secondId = await Scalar<Guid>(
            $"SELECT {store.Schema}.append_event(p_stream_id => $1, p_event_type => 'USER_UPDATED', p_event_data => $2::jsonb, p_metadata => '{{\"correlation_id\": \"sql\"}}', p_created_by => $3)",
            streamId.Value, $$"""{"user_id": "{{userId}}", "name": "Ada L."}""", admin);

        var read = await store.ReadStreamAsync(streamId).ToListAsync();

        Assert.That(read.Select(e => e.EventId), Is.EqualTo(new[] { firstId, secondId }));
        Assert.That(read[0].Data, Is.EqualTo(new UserCreated(userId, "Ada", "ada@example.com")));
        Assert.That(read[1].Data, Is.EqualTo(new UserUpdated(userId, Name: "Ada L.")));
        Assert.That(read[1].Metadata.CreatedBy, Is.EqualTo(admin));
        Assert.That(read[1].Metadata.CorrelationId, Is.EqualTo("sql"));
    }

    [Test]
    public async Task read_log_filtered_without_filters_reads_what_read_log_reads_and_with_them_returns_the_last_row_read_as_a_marker()
    {
        var store = await NewStoreAsync();
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(3), new AppendOptions { StreamType = "user" });
        await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, [new NewEvent(new MeasurementTaken(1))]);
        var s = store.Schema;
        for (var waited = 0; waited < 9000 && await Database.ScalarAsync<long>($"SELECT count(*) FROM {s}.read_log(0, 0, 100)") < 4; waited++)
        {
            await Task.Delay(10); // other fixtures' open transactions can hold the log back
        }

        var plain = await Database.ScalarAsync<string>($"SELECT string_agg(global_position::text, ',' ORDER BY tx_id, global_position) FROM {s}.read_log(0, 0, 100)");
        var unfiltered = await Database.ScalarAsync<string>(
            $"SELECT string_agg(global_position::text || ':' || matched || ':' || rows_read, ',' ORDER BY tx_id, global_position) FROM {s}.read_log_filtered(0, 0, 100)");
        var users = await Database.ScalarAsync<string>(
            $"SELECT string_agg(global_position::text || ':' || matched || ':' || (id IS NULL), ',' ORDER BY tx_id, global_position) FROM {s}.read_log_filtered(0, 0, 100, p_stream_types => ARRAY['user'])");
        var firstTwo = await Database.ScalarAsync<string>(
            $"SELECT string_agg(global_position::text || ':' || rows_read, ',') FROM {s}.read_log_filtered(0, 0, 2, ARRAY['USER_CREATED'])");

        Assert.That(plain, Is.EqualTo("1,2,3,4"));
        Assert.That(unfiltered, Is.EqualTo("1:true:4,2:true:4,3:true:4,4:true:4"), "the same rows, all matching");
        Assert.That(users, Is.EqualTo("1:true:false,2:true:false,3:true:false,4:false:true"), "the last row read, unmatched, as a bare marker");
        Assert.That(firstTwo, Is.EqualTo("1:2,2:2"), "a full page counts the rows read");
    }

    [Test]
    public async Task Documented_get_events_calls_work_positionally_and_by_name()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(4));

        var all = await Versions($"SELECT event_version FROM {store.Schema}.get_events($1)", streamId.Value);
        var fromTwo = await Versions($"SELECT event_version FROM {store.Schema}.get_events($1, 2)", streamId.Value);
        var named = await Versions(
            $"SELECT event_version FROM {store.Schema}.get_events(p_stream_id => $1, p_from_version => 2, p_to_version => 3)", streamId.Value);
        var columns = await Scalar<string>(
            $"SELECT string_agg(pg_typeof(event_type)::text || ',' || pg_typeof(event_version)::text || ',' || pg_typeof(event_data)::text || ',' || pg_typeof(created_at)::text, ';') FROM {store.Schema}.get_events($1, 1, 1)",
            streamId.Value);

        Assert.That(all, Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(fromTwo, Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(named, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(columns, Is.EqualTo("text,integer,jsonb,timestamp with time zone"));
    }

    [Test]
    public async Task SQL_callers_get_our_own_error_codes_for_conflicts()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        var eventId = Guid.NewGuid();
        await Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'USER_DELETED', '{{}}', p_event_id => $2, p_stream_type => 'User')",
            streamId.Value, eventId);

        var wrongVersion = Assert.ThrowsAsync<PostgresException>(() =>
            Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'USER_DELETED', '{{}}', p_expected_version => 5)", streamId.Value));
        var reusedId = Assert.ThrowsAsync<PostgresException>(() =>
            Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'USER_CREATED', '{{}}', p_event_id => $2)", streamId.Value, eventId));
        var otherType = Assert.ThrowsAsync<PostgresException>(() =>
            Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'USER_DELETED', '{{}}', p_stream_type => 'Order')", streamId.Value));
        var noEvents = Assert.ThrowsAsync<PostgresException>(() =>
            Scalar<int>($"SELECT stream_version FROM {store.Schema}.append_events($1, -1, '{{}}'::uuid[], '{{}}'::text[], '{{}}'::jsonb[])", streamId.Value));

        Assert.That(wrongVersion!.SqlState, Is.EqualTo("FE001"));
        Assert.That(wrongVersion.MessageText, Does.Contain("expected 5, actual 1"));
        Assert.That(reusedId!.SqlState, Is.EqualTo("FE002"));
        Assert.That(otherType!.SqlState, Is.EqualTo("FE003"));
        Assert.That(noEvents!.SqlState, Is.EqualTo("FE005"));
    }

    [Test]
    public async Task Reading_a_stored_type_the_store_does_not_know_names_the_type_stream_and_version()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await Scalar<Guid>($"SELECT {store.Schema}.append_event($1, 'ACCOUNT_OPENED', '{{}}')", streamId.Value);

        var error = Assert.ThrowsAsync<UnknownEventTypeException>(() => store.ReadStreamAsync(streamId).ToListAsync().AsTask());

        Assert.That(error!.EventTypeName, Is.EqualTo("ACCOUNT_OPENED"));
        Assert.That(error.StreamId, Is.EqualTo(streamId));
        Assert.That(error.Version, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public async Task Stored_JSON_that_does_not_fit_its_type_gives_a_serialization_error_naming_the_event()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await Scalar<Guid>($$"""SELECT {{store.Schema}}.append_event($1, 'USER_CREATED', '{"user_id": 42}')""", streamId.Value);

        var error = Assert.ThrowsAsync<EventSerializationException>(() => store.ReadStreamAsync(streamId).ToListAsync().AsTask());

        Assert.That(error!.StreamId, Is.EqualTo(streamId));
        Assert.That(error.Message, Does.Contain("USER_CREATED").And.Contain(nameof(UserCreated)));
    }

    [TestCase("00000000-0000-0000-0000-000000000000", "USER_CREATED", "ck_tb_streams_stream_id_not_nil", TestName = "The SQL API refuses the empty uuid as a stream id")]
    [TestCase(null, " USER_CREATED", "ck_tb_events_event_type_trimmed", TestName = "The SQL API refuses an event type with stray white space")]
    [TestCase(null, "USER_CREATED\t", "ck_tb_events_event_type_trimmed", TestName = "The SQL API refuses an event type ending in a tab")]
    public async Task The_sql_api_refuses_what_the_csharp_api_refuses_and_writes_nothing(string? streamId, string eventType, string constraint)
    {
        var store = await NewStoreAsync();
        var stream = streamId is null ? Guid.NewGuid() : Guid.Parse(streamId);
        var eventsBefore = await Scalar<long>($"SELECT count(*) FROM {store.Schema}.tb_events");

        var ex = Assert.ThrowsAsync<PostgresException>(() => Scalar<Guid>($"SELECT {store.Schema}.append_event($1, $2, $3::jsonb)",
            stream, eventType, """{"user_id": "00000000-0000-0000-0000-000000000001", "name": "Nil", "email": "nil@example.com"}"""));

        Assert.That((ex!.SqlState, ex.ConstraintName), Is.EqualTo(("23514", constraint)));
        Assert.That(await Scalar<long>($"SELECT count(*) FROM {store.Schema}.tb_events"), Is.EqualTo(eventsBefore));
        Assert.That(await Scalar<long>($"SELECT count(*) FROM {store.Schema}.tb_streams WHERE stream_id = '{stream}'"), Is.Zero);
    }

    private async Task<T> Scalar<T>(string sql, params object[] parameters)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task<int[]> Versions(string sql, Guid streamId)
    {
        await using var command = Database.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return [.. versions];
    }
}
