// An event schema change, end to end: rows written by an old version of the application stay in
// tb_events unchanged, and today's code reads them as its current class through upcasters.
// Run it with ./scripts/run-sample.sh.
using System.Text.Json.Nodes;
using FraiseEvents;
using FraiseEvents.Postgres;
using Npgsql;

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("FRAISEEVENTS_CONNECTION")
    ?? throw new InvalidOperationException("Pass a connection string, or set FRAISEEVENTS_CONNECTION.");
const string schema = "upcasting_sample";

// Today's application: USER_CREATED is at schema version 3.
await using var store = PostgresEventStore.Create(connectionString, options =>
{
    options.Events.Register<UserCreated>("USER_CREATED", schemaVersion: 3);

    // v1 {name, email} -> v2 {first_name, last_name, email}: the documented change, on raw JSON.
    options.Upcasters.AddJson("USER_CREATED", fromVersion: 1, v1 =>
    {
        var name = (string)v1["name"]!;
        var space = name.IndexOf(' ');
        return new JsonObject
        {
            ["first_name"] = space < 0 ? name : name[..space],
            ["last_name"] = space < 0 ? "" : name[(space + 1)..],
            ["email"] = (string?)v1["email"],
        };
    });

    // v2 -> v3 added a locale: typed, from the old class to the current one.
    options.Upcasters.Add<UserCreatedV2, UserCreated>("USER_CREATED", fromVersion: 2,
        v2 => new UserCreated(v2.FirstName, v2.LastName, v2.Email, Locale: "en"));
}, postgres => postgres.Schema = schema);
await store.InitializeAsync();

// Yesterday's applications wrote these rows. Nothing rewrites them: the log is append-only.
var userId = StreamId.New();
await using (var dataSource = NpgsqlDataSource.Create(connectionString))
{
    foreach (var (version, json) in new[]
    {
        (1, """{"name": "Ada Lovelace", "email": "ada@example.com"}"""),
        (2, """{"first_name": "Ada", "last_name": "King", "email": "ada@king.example"}"""),
    })
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {schema}.append_event($1, 'USER_CREATED', $2::jsonb, p_schema_version => $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = userId.Value });
        command.Parameters.Add(new NpgsqlParameter { Value = json });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        await command.ExecuteScalarAsync();
    }
}

// Today's code appends the current version...
await store.AppendAsync(userId, ExpectedVersion.Exactly(2), new UserCreated("Ada", "Lovelace", "ada@lovelace.org", "en-GB"));

// ...and reads all three as UserCreated, whatever version they were stored with.
var read = await store.ReadStreamAsync(userId).ToListAsync();
foreach (var recorded in read)
{
    Console.WriteLine($"v{recorded.Version}: stored as {recorded.StoredEventType} schema v{recorded.StoredSchemaVersion} -> {recorded.Data}");
}

UserCreated[] expected =
[
    new("Ada", "Lovelace", "ada@example.com", "en"),
    new("Ada", "King", "ada@king.example", "en"),
    new("Ada", "Lovelace", "ada@lovelace.org", "en-GB"),
];
// Written at versions 1, 2 and 3; each read as today's version 3 (SchemaVersion is the version after upcasting).
var ok = read.Select(e => e.Data).SequenceEqual(expected)
    && read.Select(e => e.StoredSchemaVersion).SequenceEqual([1, 2, 3])
    && read.All(e => e.SchemaVersion == 3);
Console.WriteLine(ok ? "Every stored version was read as today's UserCreated." : "Unexpected result.");
return ok ? 0 : 1;

/// <summary>USER_CREATED today (schema version 3).</summary>
public sealed record UserCreated(string FirstName, string LastName, string Email, string Locale);

/// <summary>USER_CREATED as version 2 of the application wrote it; kept only for its upcaster.</summary>
public sealed record UserCreatedV2(string FirstName, string LastName, string Email);
