using FraiseEvents.Aggregates;
using FraiseEvents.Auditing;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>The documented User scenario end to end: create, update name, update email, delete; state at each time; audit trail.</summary>
[TestFixture]
public sealed class DocumentedUserScenarioTests : PostgresFixture
{
    [Test]
    public async Task The_documented_user_scenario_gives_the_state_at_each_time_and_the_audit_trail()
    {
        var store = await NewStoreAsync();
        var users = new AggregateRepository<UserAggregate>(store, id => new UserAggregate(id),
            new AggregateRepositoryOptions { StreamType = "User", Snapshots = SnapshotPolicy.Every(2) });
        var admin = Guid.NewGuid();
        var asAdmin = new AppendOptions { Metadata = new EventMetadata { CreatedBy = admin, CorrelationId = "admin-session" } };

        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        var created = await users.SaveAsync(user, asAdmin);
        user.Update(name: "Ada Lovelace");
        var renamed = await users.SaveAsync(user, asAdmin);
        user.Update(email: "ada@lovelace.org");
        var emailChanged = await users.SaveAsync(user, asAdmin);
        user.Delete();
        var deleted = await users.SaveAsync(user, asAdmin);

        Assert.That(await users.LoadAsOfAsync(user.Id, created!.CreatedAt.AddTicks(-10)), Is.Null, "before it was created");
        Assert.That(Describe(await users.LoadAsOfAsync(user.Id, created.CreatedAt)), Is.EqualTo("Ada <ada@example.com>"));
        Assert.That(Describe(await users.LoadAsOfAsync(user.Id, renamed!.CreatedAt)), Is.EqualTo("Ada Lovelace <ada@example.com>"));
        Assert.That(Describe(await users.LoadAsOfAsync(user.Id, emailChanged!.CreatedAt)), Is.EqualTo("Ada Lovelace <ada@lovelace.org>"));
        Assert.That(await users.LoadAsOfAsync(user.Id, deleted!.CreatedAt), Is.Null, "deleted at that time: no user");
        Assert.That((await users.GetAsync(user.Id)).IsDeleted, Is.True);

        var trail = await store.ReadAuditTrailAsync(AuditQuery.ForStream(user.Id));
        Assert.That(trail.Events.Select(e => e.EventType), Is.EqualTo(new[] { "USER_DELETED", "USER_UPDATED", "USER_UPDATED", "USER_CREATED" }));
        Assert.That(trail.Events.Select(e => e.CreatedAt), Is.EqualTo(new[] { deleted.CreatedAt, emailChanged.CreatedAt, renamed.CreatedAt, created.CreatedAt }));
        Assert.That(trail.Events.Select(e => e.Metadata.CreatedBy), Is.All.EqualTo(admin));
        Assert.That(trail.Events.Select(e => e.Metadata.CorrelationId), Is.All.EqualTo("admin-session"));

        var byAdmin = await store.ReadAuditTrailAsync(AuditQuery.ByAuthor(admin));
        Assert.That(byAdmin.Events.Select(e => e.EventId), Is.EqualTo(trail.Events.Select(e => e.EventId)));

        // The documented SQL entry point answers the same, for callers in other languages.
        var sqlTrail = new List<(string Type, Guid? CreatedBy)>();
        await using (var command = Database.DataSource.CreateCommand(
            $"SELECT event_type, created_by, event_data->>'email' FROM \"{store.Schema}\".user_audit_trail($1, 50)"))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = user.Id.Value });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                sqlTrail.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1)));
            }
        }

        Assert.That(sqlTrail.Select(r => r.Type), Is.EqualTo(trail.Events.Select(e => e.EventType)));
        Assert.That(sqlTrail.Select(r => r.CreatedBy), Is.All.EqualTo(admin));
    }

    [Test]
    public async Task The_sql_time_travel_function_returns_the_events_stored_by_a_time()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        var first = await store.AppendAsync(streamId, ExpectedVersion.NoStream, new UserCreated(streamId.Value, "Ada", "ada@example.com"));
        await store.AppendAsync(streamId, ExpectedVersion.Exactly(1), new UserUpdated(streamId.Value, Name: "Ada Lovelace"));

        await using var command = Database.DataSource.CreateCommand(
            $"SELECT count(*)::int, max(event_data->>'name') FROM \"{store.Schema}\".get_events_at($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = first.CreatedAt });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();

        Assert.That(reader.GetInt32(0), Is.EqualTo(1));
        Assert.That(reader.GetString(1), Is.EqualTo("Ada"));
    }

    private static string? Describe(UserAggregate? user) => user is null ? null : $"{user.Name} <{user.Email}>";
}
