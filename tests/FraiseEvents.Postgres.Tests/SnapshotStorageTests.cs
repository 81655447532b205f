using FraiseEvents.Aggregates;
using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using FraiseEvents.Snapshots;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class SnapshotStorageTests : PostgresFixture
{
    private static AggregateRepository<UserAggregate> Users(IEventStore store, SnapshotPolicy policy) =>
        new(store, id => new UserAggregate(id), new AggregateRepositoryOptions { StreamType = "User", Snapshots = policy });

    private static async Task<UserAggregate> UserWithVersionAsync(AggregateRepository<UserAggregate> users, int version)
    {
        var user = users.Create(StreamId.New());
        user.Register("Ada", "ada@example.com");
        await users.SaveAsync(user);
        while (user.Version.Value < version)
        {
            user.Update(name: $"Name {user.Version.Value + 1}");
            await users.SaveAsync(user);
        }

        return user;
    }

    private async Task<List<int>> SnapshotVersionsAsync(PostgresEventStore store, StreamId streamId)
    {
        await using var command = Database.DataSource.CreateCommand(
            $"SELECT snapshot_version FROM \"{store.Schema}\".tb_snapshots WHERE stream_id = $1 ORDER BY snapshot_version");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = streamId.Value });
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    [Test]
    public async Task Create_snapshot_keeps_the_newest_five_snapshots_not_the_versions_within_five_of_the_newest()
    {
        var store = await NewStoreAsync();
        var user = await UserWithVersionAsync(Users(store, SnapshotPolicy.Every(7)), 60);

        // Snapshots at 7, 14, ..., 56: the documented clean-up ("version < newest - 5") would keep only 56.
        Assert.That(await SnapshotVersionsAsync(store, user.Id), Is.EqualTo(new[] { 28, 35, 42, 49, 56 }));
    }

    [Test]
    public async Task Create_snapshot_called_from_sql_keeps_the_number_it_is_given()
    {
        var store = await NewStoreAsync();
        var user = await UserWithVersionAsync(Users(store, SnapshotPolicy.Never), 10);
        var s = $"\"{store.Schema}\"";
        await Database.ExecuteAsync(
            $"SELECT {s}.create_snapshot('{user.Id}', v, '{{\"name\":\"x\",\"email\":\"y\",\"is_created\":true,\"is_deleted\":false}}', 1, 3) FROM generate_series(1, 10) v");

        Assert.That(await SnapshotVersionsAsync(store, user.Id), Is.EqualTo(new[] { 8, 9, 10 }));
        Assert.That(await Database.ScalarAsync<int>($"SELECT snapshot_version FROM {s}.get_snapshot('{user.Id}', 1, 9)"), Is.EqualTo(9));
    }

    [Test]
    public async Task Create_snapshot_refuses_a_version_the_stream_does_not_have_with_FE006()
    {
        var store = await NewStoreAsync();
        var user = await UserWithVersionAsync(Users(store, SnapshotPolicy.Never), 2);

        var ex = Assert.ThrowsAsync<PostgresException>(() =>
            Database.ExecuteAsync($"SELECT \"{store.Schema}\".create_snapshot('{user.Id}', 3, '{{}}')"));

        Assert.That(ex!.SqlState, Is.EqualTo("FE006"));
    }

    [Test]
    public async Task A_snapshot_ahead_of_the_stream_is_ignored_and_the_state_rebuilt()
    {
        var store = await NewStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(100));
        var user = await UserWithVersionAsync(users, 5);
        // As a restore of snapshots newer than the events would leave it: the trigger-free table lets us.
        await Database.ExecuteAsync(
            $"INSERT INTO \"{store.Schema}\".tb_snapshots (stream_id, snapshot_version, snapshot_data, version_created_at) "
            + $"VALUES ('{user.Id}', 9, '{{\"name\":\"From the future\",\"email\":\"x\",\"is_created\":true,\"is_deleted\":false}}', now())");

        var loaded = await users.GetAsync(user.Id);

        Assert.That(loaded.RestoredFromSnapshot, Is.False);
        Assert.That(loaded.ToModel(), Is.EqualTo(user.ToModel()));
        Assert.That(await store.ReadSnapshotAsync(user.Id, 1), Is.Null);
    }

    [Test]
    public async Task An_inline_snapshot_that_cannot_be_stored_rolls_back_the_append()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();

        Assert.That(async () => await store.AppendWithSnapshotAsync(streamId, ExpectedVersion.NoStream,
                [new NewEvent(new UserCreated(streamId.Value, "Ada", "ada@example.com"))],
                new SnapshotWrite(1, 1, "not json"u8.ToArray())),
            Throws.InstanceOf<FraiseEventsException>());

        Assert.That(await store.GetStreamStateAsync(streamId), Is.Null, "the append and the snapshot commit together or not at all");
    }

    [Test]
    public async Task An_inline_snapshot_is_stored_in_the_same_transaction_as_its_events()
    {
        var store = await NewStoreAsync();
        var users = Users(store, SnapshotPolicy.Every(2));
        var user = await UserWithVersionAsync(users, 4);

        var snapshotTx = await Database.ScalarAsync<long>(
            $"SELECT xmin::text::bigint FROM \"{store.Schema}\".tb_snapshots WHERE stream_id = '{user.Id}' AND snapshot_version = 4");
        var eventTx = await Database.ScalarAsync<long>(
            $"SELECT xmin::text::bigint FROM \"{store.Schema}\".tb_events WHERE stream_id = '{user.Id}' AND event_version = 4");
        Assert.That(snapshotTx, Is.EqualTo(eventTx));
    }
}
