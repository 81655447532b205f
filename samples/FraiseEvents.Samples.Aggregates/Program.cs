// The documented User scenario with aggregates: create, update the name, update the email,
// delete; then the user as it was at each of those times, and the audit trail.
// Run: dotnet run --project samples/FraiseEvents.Samples.Aggregates -- "<connection string>"
// (or set FRAISEEVENTS_CONNECTION). Exits with 1 if any result differs from the documented one.
using FraiseEvents;
using FraiseEvents.Aggregates;
using FraiseEvents.Auditing;
using FraiseEvents.Postgres;
using FraiseEvents.Snapshots;

var connectionString = args.FirstOrDefault() ?? Environment.GetEnvironmentVariable("FRAISEEVENTS_CONNECTION")
    ?? throw new InvalidOperationException("Pass a connection string, or set FRAISEEVENTS_CONNECTION.");

// Each sample keeps to a schema of its own, so one database can hold all of them.
await using var store = PostgresEventStore.Create(connectionString, options =>
{
    options.Events.Register<UserCreated>();
    options.Events.Register<UserUpdated>();
    options.Events.Register<UserDeleted>();
}, postgres => postgres.Schema = "aggregates_sample");

// Snapshots every 2 events, written in the same transaction as the events that cross the threshold.
var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
    new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(2) });
var admin = Guid.NewGuid();
var asAdmin = new AppendOptions { Metadata = new EventMetadata { CreatedBy = admin, CorrelationId = "admin-console" } };
var failures = new List<string>();
void Check(bool ok, string what)
{
    Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
    if (!ok)
    {
        failures.Add(what);
    }
}

// 1. The four commands, each saved with the version it was loaded at.
var user = users.Create(StreamId.New());
user.Register("Ada", "ada@example.com");
var created = (await users.SaveAsync(user, asAdmin))!;

user = await users.GetAsync(user.Id);
user.Rename("Ada Lovelace");
var renamed = (await users.SaveAsync(user, asAdmin))!;

user = await users.GetAsync(user.Id);
user.ChangeEmail("ada@lovelace.org");
var emailChanged = (await users.SaveAsync(user, asAdmin))!;

user = await users.GetAsync(user.Id);
user.Delete();
var deleted = (await users.SaveAsync(user, asAdmin))!;
Console.WriteLine($"User {user.Id}: 4 events saved, now at version {user.Version}.");

// 2. A stale copy cannot overwrite newer history.
var stale = await users.LoadAtVersionAsync(user.Id, 1);
Console.WriteLine("Saving a stale copy:");
try
{
    stale!.Rename("Mallory");
    await users.SaveAsync(stale);
    Check(false, "a stale save is refused");
}
catch (WrongExpectedVersionException conflict)
{
    Check(conflict.ActualVersion == new StreamVersion(4), $"a stale save is refused (stream at version {conflict.ActualVersion})");
}

// 3. user_at_time: the user as it was at each moment; deleted means no user.
Console.WriteLine("The user at each time:");
async Task ExpectAt(string label, DateTimeOffset time, string? expected)
{
    var then = await users.LoadAsOfAsync(user.Id, time);
    var actual = then is null ? null : $"{then.Name} <{then.Email}>";
    Check(actual == expected, $"{label,-22} {time:O}: {actual ?? "no user"}");
}

await ExpectAt("before it was created", created.CreatedAt.AddTicks(-10), null);
await ExpectAt("after create", created.CreatedAt, "Ada <ada@example.com>");
await ExpectAt("after the new name", renamed.CreatedAt, "Ada Lovelace <ada@example.com>");
await ExpectAt("after the new email", emailChanged.CreatedAt, "Ada Lovelace <ada@lovelace.org>");
await ExpectAt("after delete", deleted.CreatedAt, null);

// 4. user_audit_trail: newest first, with type, data, time, author and metadata, in pages of 3.
Console.WriteLine("Audit trail (pages of 3, newest first):");
var trail = new List<RecordedEvent>();
var query = AuditQuery.ForStream(user.Id) with { Limit = 3 };
while (true)
{
    var page = await store.ReadAuditTrailAsync(query);
    foreach (var e in page.Events)
    {
        Console.WriteLine($"  v{e.Version} {e.EventType,-13} {e.CreatedAt:O} by {e.Metadata.CreatedBy} ({e.Metadata.CorrelationId}) {e.Data}");
    }

    trail.AddRange(page.Events);
    if (page.Next is not { } next)
    {
        break;
    }

    query = query with { After = next };
}

Check(trail.Select(e => e.EventType).SequenceEqual(["USER_DELETED", "USER_UPDATED", "USER_UPDATED", "USER_CREATED"]), "the trail lists every event once, newest first");
Check(trail.All(e => e.Metadata.CreatedBy == admin), "every event names its author");
var byAdmin = await store.ReadAuditTrailAsync(AuditQuery.ByAuthor(admin) with { From = created.CreatedAt, To = deleted.CreatedAt });
Check(byAdmin.Events.Count == 4, $"everything the admin did in that time: {byAdmin.Events.Count} events");

Console.WriteLine(failures.Count == 0 ? "All results match the documented scenario." : $"{failures.Count} result(s) differ.");
return failures.Count == 0 ? 0 : 1;

/// <summary>A new user signed up.</summary>
public sealed record UserCreated(Guid UserId, string Name, string Email);

/// <summary>A user's name and/or email changed; null means unchanged.</summary>
public sealed record UserUpdated(Guid UserId, string? Name = null, string? Email = null);

/// <summary>A user was deleted.</summary>
public sealed record UserDeleted(Guid UserId);

/// <summary>The documented UserAggregate: commands check the rules and raise events; Apply methods change the state.</summary>
public sealed class UserAggregate(StreamId id) : Aggregate<UserAggregate>(id), ISnapshotable<UserAggregate.Snapshot>
{
    public string Name { get; private set; } = "";

    public string Email { get; private set; } = "";

    public int SnapshotSchemaVersion => 1;

    public void Register(string name, string email)
    {
        if (Version != StreamVersion.None || UncommittedEvents.Count > 0)
        {
            throw new InvalidOperationException("This user already exists.");
        }

        Raise(new UserCreated(Id.Value, name, email));
    }

    public void Rename(string name) => RaiseIfLive(new UserUpdated(Id.Value, Name: name));

    public void ChangeEmail(string email) => RaiseIfLive(new UserUpdated(Id.Value, Email: email));

    public void Delete() => RaiseIfLive(new UserDeleted(Id.Value));

    public Snapshot CreateSnapshot() => new(Name, Email, IsDeleted);

    public void RestoreSnapshot(Snapshot snapshot) => (Name, Email, IsDeleted) = (snapshot.Name, snapshot.Email, snapshot.IsDeleted);

    private void RaiseIfLive(object @event)
    {
        if (IsDeleted)
        {
            throw new InvalidOperationException($"User {Id} is deleted.");
        }

        Raise(@event);
    }

    private void Apply(UserCreated e) => (Name, Email) = (e.Name, e.Email);

    private void Apply(UserUpdated e) => (Name, Email) = (e.Name ?? Name, e.Email ?? Email);

    private void Apply(UserDeleted e) => IsDeleted = true;

    /// <summary>What a snapshot stores; bump SnapshotSchemaVersion when it changes.</summary>
    public sealed record Snapshot(string Name, string Email, bool IsDeleted);
}
