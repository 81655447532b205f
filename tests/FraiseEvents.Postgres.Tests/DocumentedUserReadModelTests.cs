using System.Text.Json;
using System.Text.Json.Serialization;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Projections;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The design's User read model (proj_user, update_user_projection, v_user), applied from the
/// sample's verbatim copy of its DDL: kept by an inline SQL projection, and by the SQL-first path.
/// </summary>
[TestFixture]
public sealed class DocumentedUserReadModelTests : PostgresFixture
{
    private async Task<PostgresEventStore> StoreWithDocumentedReadModelAsync()
    {
        var options = new EventStoreOptions();
        options.Events.Register<DocumentedUserCreated>("USER_CREATED");
        options.Events.Register<DocumentedUserUpdated>("USER_UPDATED");
        options.Events.Register<DocumentedUserDeleted>("USER_DELETED");
        options.Projections.Add(new UpdateUserProjection());
        var store = new PostgresEventStore(Database.DataSource, options, new PostgresEventStoreOptions { Schema = NewSchemaName() });
        await store.InitializeAsync();
        var ddl = await File.ReadAllTextAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "documented_user_read_model.sql"));
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using var apply = new NpgsqlCommand($"SET search_path TO \"{store.Schema}\"; {ddl}", connection);
        await apply.ExecuteNonQueryAsync();
        return store;
    }

    private async Task<JsonElement?> FromViewAsync(PostgresEventStore store, Guid id)
    {
        await using var query = Database.DataSource.CreateCommand($"SELECT data::text FROM \"{store.Schema}\".v_user WHERE id = $1");
        query.Parameters.Add(new NpgsqlParameter { Value = id });
        return await query.ExecuteScalarAsync() is string json ? JsonDocument.Parse(json).RootElement.Clone() : null;
    }

    [Test]
    public async Task Create_partial_update_and_delete_through_the_library_show_in_v_user_as_documented()
    {
        var store = await StoreWithDocumentedReadModelAsync();
        var id = StreamId.New();

        await store.AppendAsync(id, ExpectedVersion.NoStream, [new NewEvent(new DocumentedUserCreated(id.Value, "Ada", "ada@example.com", DateTime.UtcNow))]);
        var created = (await FromViewAsync(store, id.Value))!.Value;
        Assert.That(created.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "id", "name", "email", "created_at", "updated_at", "version" }));
        Assert.That((created.GetProperty("name").GetString(), created.GetProperty("version").GetInt32()), Is.EqualTo(("Ada", 1)));

        await store.AppendAsync(id, ExpectedVersion.Exactly(1), [new NewEvent(new DocumentedUserUpdated(id.Value, DateTime.UtcNow, Name: "Ada Lovelace"))]);
        var renamed = (await FromViewAsync(store, id.Value))!.Value;
        Assert.That((renamed.GetProperty("name").GetString(), renamed.GetProperty("email").GetString(), renamed.GetProperty("version").GetInt32()),
            Is.EqualTo(("Ada Lovelace", "ada@example.com", 2)), "a partial update changes only the fields it carries");
        Assert.That(renamed.GetProperty("updated_at").ValueKind, Is.EqualTo(JsonValueKind.String));

        Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            store.AppendAsync(id, ExpectedVersion.Exactly(1), [new NewEvent(new DocumentedUserUpdated(id.Value, DateTime.UtcNow, Name: "Stale"))]));
        Assert.That((await FromViewAsync(store, id.Value))!.Value.GetProperty("name").GetString(), Is.EqualTo("Ada Lovelace"));

        await store.AppendAsync(id, ExpectedVersion.Exactly(2), [new NewEvent(new DocumentedUserDeleted(id.Value))]);
        Assert.That(await FromViewAsync(store, id.Value), Is.Null, "a deleted user is absent from v_user");
    }

    [Test]
    public async Task The_sql_first_path_append_event_then_update_user_projection_then_v_user_works_unchanged()
    {
        var store = await StoreWithDocumentedReadModelAsync();
        var id = Guid.NewGuid();
        await using var connection = await Database.DataSource.OpenConnectionAsync();
        await using (var path = new NpgsqlCommand($"SET search_path TO \"{store.Schema}\"", connection))
        {
            await path.ExecuteNonQueryAsync();
        }

        foreach (var sql in new[]
        {
            "SELECT append_event($1, 'USER_CREATED', jsonb_build_object('user_id', $1, 'name', 'Alan', 'email', 'alan@example.org', 'created_at', now()))",
            "SELECT update_user_projection($1)",
            "SELECT append_event($1, 'USER_UPDATED', jsonb_build_object('user_id', $1, 'email', 'alan@turing.org', 'updated_at', now()))",
            "SELECT update_user_projection($1)",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await command.ExecuteNonQueryAsync();
        }

        var user = (await FromViewAsync(store, id))!.Value;
        Assert.That((user.GetProperty("name").GetString(), user.GetProperty("email").GetString(), user.GetProperty("version").GetInt32()),
            Is.EqualTo(("Alan", "alan@turing.org", 2)));
    }

    private sealed record DocumentedUserCreated(Guid UserId, string Name, string Email, DateTime CreatedAt);

    private sealed record DocumentedUserUpdated(
        Guid UserId,
        DateTime UpdatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email = null);

    private sealed record DocumentedUserDeleted(Guid UserId);

    private sealed class UpdateUserProjection : SqlProjection
    {
        public UpdateUserProjection()
            : base("user")
        {
            Handles<DocumentedUserCreated>();
            Handles<DocumentedUserUpdated>();
            Handles<DocumentedUserDeleted>();
        }

        public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
        {
            writer.Execute("SELECT update_user_projection($1)", events[0].StreamId.Value);
            return ValueTask.CompletedTask;
        }
    }
}
