// The documented User read model, kept by the library in the append's own transaction:
// create, update (partial), delete, and after each command the answer from v_user, exactly as the
// design's commands read it. Then the design's SQL-first path (append_event, update_user_projection,
// v_user) for callers that are not .NET. Alongside, a document projection owned by the library
// (proj_users_by_domain / v_users_by_domain) gathers users per e-mail domain from many streams.
// Run: dotnet run --project samples/FraiseEvents.Samples.Projections -- "<connection string>"
// (or set FRAISEEVENTS_CONNECTION). It works in the schema sample_projections, which it drops and
// recreates. Exits with 1 if any result differs from the documented one.
using System.Text.Json;
using System.Text.Json.Serialization;
using FraiseEvents;
using FraiseEvents.Projections;
using FraiseEvents.Postgres;
using Npgsql;

const string Schema = "sample_projections";
var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("FRAISEEVENTS_CONNECTION")
    ?? throw new InvalidOperationException("Pass a connection string, or set FRAISEEVENTS_CONNECTION.");

await using var dataSource = NpgsqlDataSource.Create(connectionString);
await using (var reset = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE"))
{
    await reset.ExecuteNonQueryAsync();
}

var options = new EventStoreOptions();
options.Events.Register<UserCreated>();
options.Events.Register<UserUpdated>();
options.Events.Register<UserDeleted>();
options.Projections.Add(new DocumentedUserProjection());   // runs update_user_projection(stream) in each append's transaction
options.Projections.Add(new UsersByDomain());               // proj_users_by_domain, v_users_by_domain
await using var store = new PostgresEventStore(dataSource, options, new PostgresEventStoreOptions { Schema = Schema });
await store.InitializeAsync();   // applies the migrations, creates proj_users_by_domain

// The design's own DDL, unchanged, in the store's schema.
var documentedSql = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "documented_user_read_model.sql"));
await using (var connection = await dataSource.OpenConnectionAsync())
{
    await using var apply = new NpgsqlCommand($"SET search_path TO {Schema}; {documentedSql}", connection);
    await apply.ExecuteNonQueryAsync();
}

var failures = new List<string>();
void Check(bool ok, string what)
{
    Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
    if (!ok)
    {
        failures.Add(what);
    }
}

async Task<JsonElement?> FromView(string view, object id)
{
    await using var query = dataSource.CreateCommand($"SELECT data FROM {Schema}.{view} WHERE id = $1");
    query.Parameters.Add(new NpgsqlParameter { Value = id });
    var data = await query.ExecuteScalarAsync() as string;
    return data is null ? null : JsonDocument.Parse(data).RootElement.Clone();
}

Console.WriteLine("1. Commands through the library; v_user answers right after each append");
var ada = StreamId.New();
await store.AppendAsync(ada, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(ada.Value, "Ada", "ada@example.com", DateTime.UtcNow))]);
var afterCreate = (await FromView("v_user", ada.Value))!.Value;
Console.WriteLine($"  v_user: {afterCreate}");
Check(afterCreate.GetProperty("name").GetString() == "Ada" && afterCreate.GetProperty("version").GetInt32() == 1, "created: name Ada, version 1");
Check(new[] { "id", "name", "email", "created_at", "updated_at", "version" }.All(p => afterCreate.TryGetProperty(p, out _)),
    "data has id, name, email, created_at, updated_at, version");

await store.AppendAsync(ada, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(ada.Value, DateTime.UtcNow, Name: "Ada Lovelace"))]);
var afterRename = (await FromView("v_user", ada.Value))!.Value;
Console.WriteLine($"  v_user: {afterRename}");
Check(afterRename.GetProperty("name").GetString() == "Ada Lovelace" && afterRename.GetProperty("email").GetString() == "ada@example.com",
    "partial update: the name changed, the email did not");

await store.AppendAsync(ada, ExpectedVersion.Exactly(2), [new NewEvent(new UserUpdated(ada.Value, DateTime.UtcNow, Email: "ada@analytical.engine"))]);
var afterEmail = (await FromView("v_user", ada.Value))!.Value;
Check(afterEmail.GetProperty("email").GetString() == "ada@analytical.engine" && afterEmail.GetProperty("version").GetInt32() == 3,
    "email updated, version 3");

try
{
    await store.AppendAsync(ada, ExpectedVersion.Exactly(1), [new NewEvent(new UserUpdated(ada.Value, DateTime.UtcNow, Name: "Stale"))]);
    Check(false, "a stale update is refused");
}
catch (WrongExpectedVersionException ex)
{
    Check((await FromView("v_user", ada.Value))!.Value.GetProperty("name").GetString() == "Ada Lovelace",
        $"a stale update is refused ({ex.GetType().Name}) and the read model is untouched");
}

await store.AppendAsync(ada, ExpectedVersion.Exactly(3), [new NewEvent(new UserDeleted(ada.Value))]);
Check(await FromView("v_user", ada.Value) is null, "deleted: absent from v_user");

Console.WriteLine("2. A document projection owned by the library: one document per e-mail domain, fed by many streams");
foreach (var name in new[] { "Grace", "Edsger" })
{
    var id = StreamId.New();
    await store.AppendAsync(id, ExpectedVersion.NoStream,
        [new NewEvent(new UserCreated(id.Value, name, $"{name.ToLowerInvariant()}@example.com", DateTime.UtcNow))]);
}

var domain = await store.LoadAsync<DomainUsers>("example.com");
Console.WriteLine($"  LoadAsync<DomainUsers>(\"example.com\"): {domain}");
Console.WriteLine($"  v_users_by_domain: {await FromView("v_users_by_domain", "example.com")}");
Check(domain is { Users: 3 }, "example.com has the 3 users created (Ada, Grace, Edsger)");

Console.WriteLine("3. The design's SQL-first path: append_event, update_user_projection, v_user");
var alan = Guid.NewGuid();
await using (var connection = await dataSource.OpenConnectionAsync())
{
    await using var path = new NpgsqlCommand($"SET search_path TO {Schema}", connection);
    await path.ExecuteNonQueryAsync();
    await using var append = new NpgsqlCommand(
        "SELECT append_event($1, 'USER_CREATED', jsonb_build_object('user_id', $1, 'name', 'Alan', 'email', 'alan@example.org', 'created_at', now()))",
        connection);
    append.Parameters.Add(new NpgsqlParameter { Value = alan });
    await append.ExecuteNonQueryAsync();
    await using var project = new NpgsqlCommand("SELECT update_user_projection($1)", connection);
    project.Parameters.Add(new NpgsqlParameter { Value = alan });
    await project.ExecuteNonQueryAsync();
}

var alanData = await FromView("v_user", alan);
Console.WriteLine($"  v_user: {alanData}");
Check(alanData?.GetProperty("name").GetString() == "Alan", "a user appended from SQL is in v_user after update_user_projection");

Console.WriteLine(failures.Count == 0 ? "All documented results match." : $"{failures.Count} results differ.");
return failures.Count == 0 ? 0 : 1;

public sealed record UserCreated(Guid UserId, string Name, string Email, DateTime CreatedAt);

/// <summary>Only the fields given are stored, so the documented function updates only those (<c>event_data ? 'name'</c>).</summary>
public sealed record UserUpdated(
    Guid UserId,
    DateTime UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email = null);

public sealed record UserDeleted(Guid UserId);

/// <summary>The design's read model as an inline SQL projection: its function, in the append's own transaction.</summary>
public sealed class DocumentedUserProjection : SqlProjection
{
    public DocumentedUserProjection()
        : base("user")
    {
        Handles<UserCreated>();
        Handles<UserUpdated>();
        Handles<UserDeleted>();
    }

    public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
    {
        foreach (var streamId in events.Select(e => e.StreamId).Distinct())
        {
            writer.Execute("SELECT update_user_projection($1)", streamId.Value);
        }

        return ValueTask.CompletedTask;
    }
}

public sealed record DomainUsers(string Domain, int Users);

public sealed class UsersByDomain : DocumentProjection<DomainUsers>
{
    public UsersByDomain()
        : base("users_by_domain")
    {
        KeyBy<UserCreated>(e => e.Email[(e.Email.IndexOf('@') + 1)..]);
        StartWith(domain => new DomainUsers(domain, 0));
        Apply<UserCreated>((d, _) => d with { Users = d.Users + 1 });
    }
}
