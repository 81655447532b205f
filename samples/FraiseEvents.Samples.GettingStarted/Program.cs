// The getting-started sample: a User stream appended to and read back from PostgreSQL.
// Run it with ./scripts/run-sample.sh, which starts a throwaway PostgreSQL when
// FRAISEEVENTS_CONNECTION is not set.
using FraiseEvents;
using FraiseEvents.Postgres;

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("FRAISEEVENTS_CONNECTION")
    ?? throw new InvalidOperationException("Pass a connection string, or set FRAISEEVENTS_CONNECTION.");

// Each sample keeps to a schema of its own, so one database can hold all of them and each starts from an
// empty log: on a new database the global positions printed below start at 1.
await using var store = PostgresEventStore.Create(connectionString, options =>
{
    options.Events.Register<UserCreated>();
    options.Events.Register<UserUpdated>();
    options.Events.Register<UserDeleted>();
}, postgres => postgres.Schema = "getting_started_sample");

// 1. Create a user: NoStream means "this stream must not exist yet".
var userId = StreamId.New();
var admin = Guid.NewGuid();
var created = await store.AppendAsync(userId, ExpectedVersion.NoStream,
    [new NewEvent(new UserCreated(userId.Value, "Ada", "ada@example.com"))],
    new AppendOptions { StreamType = "User", Metadata = new EventMetadata { CreatedBy = admin, CorrelationId = "signup-42" } });
Console.WriteLine($"Created user {userId} at version {created.NextExpectedVersion}.");

// 2. Two updates in one atomic append, guarded by the version we know.
var updated = await store.AppendAsync(userId, ExpectedVersion.Exactly(created.NextExpectedVersion),
    [new NewEvent(new UserUpdated(userId.Value, Name: "Ada Lovelace")), new NewEvent(new UserUpdated(userId.Value, Email: "ada@lovelace.org"))]);
Console.WriteLine($"Updated to version {updated.NextExpectedVersion}, global positions {string.Join(", ", updated.GlobalPositions)}.");

// 3. A writer holding a stale version is refused, and nothing is written.
try
{
    await store.AppendAsync(userId, ExpectedVersion.Exactly(1), [new NewEvent(new UserDeleted(userId.Value))]);
}
catch (WrongExpectedVersionException conflict)
{
    Console.WriteLine($"Refused a stale write: expected {conflict.ExpectedVersion}, actual {conflict.ActualVersion}.");
}

// 4. Retrying the same events (same ids) after a lost reply writes nothing twice.
var delete = new NewEvent(new UserDeleted(userId.Value));
await store.AppendAsync(userId, ExpectedVersion.Exactly(3), [delete]);
var retry = await store.AppendAsync(userId, ExpectedVersion.Exactly(3), [delete]);
Console.WriteLine($"Retried the delete: already appended = {retry.WasAlreadyAppended}.");

// 5. Read the stream back, oldest first, and fold it into the current state.
var state = new UserState();
await foreach (var recorded in store.ReadStreamAsync(userId))
{
    state = state.Apply(recorded.Data);
    Console.WriteLine($"  v{recorded.Version} {recorded.EventType,-13} at {recorded.CreatedAt:O} by {recorded.Metadata.CreatedBy?.ToString() ?? "-"}");
}

Console.WriteLine($"Final state: {state}");
var stream = await store.GetStreamStateAsync(userId);
Console.WriteLine($"Stream {stream!.StreamId}: type {stream.StreamType}, version {stream.Version}.");
return state is { Name: "Ada Lovelace", Email: "ada@lovelace.org", IsDeleted: true } ? 0 : 1;

/// <summary>A new user signed up.</summary>
public sealed record UserCreated(Guid UserId, string Name, string Email);

/// <summary>A user's name and/or email changed; null means unchanged.</summary>
public sealed record UserUpdated(Guid UserId, string? Name = null, string? Email = null);

/// <summary>A user was deleted.</summary>
public sealed record UserDeleted(Guid UserId);

/// <summary>The user's state, folded from its events.</summary>
public sealed record UserState(string? Name = null, string? Email = null, bool IsDeleted = false)
{
    public UserState Apply(object @event) => @event switch
    {
        UserCreated e => this with { Name = e.Name, Email = e.Email },
        UserUpdated e => this with { Name = e.Name ?? Name, Email = e.Email ?? Email },
        UserDeleted => this with { IsDeleted = true },
        _ => this,
    };
}
