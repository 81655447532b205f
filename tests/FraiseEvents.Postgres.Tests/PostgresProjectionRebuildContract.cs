using FraiseEvents.Conformance;
using FraiseEvents.Conformance.Projections;
using FraiseEvents.Projections;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresProjectionRebuildContract : ProjectionRebuildContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        await _fixture.CreateStoreAsync(configure);

    protected override async Task<bool> ShadowExistsAsync(IEventStore store, string projectionName) =>
        await _fixture.ShadowExistsAsync((PostgresEventStore)store, projectionName);

    [Test]
    public async Task Readers_of_the_view_see_the_old_documents_until_the_swap_and_the_same_columns_after_it()
    {
        var projection = new VersionedUserProjection();
        var store = await _fixture.CreateStoreAsync(o => o.Projections.Add(projection));
        var gateUser = StreamId.New();
        await store.AppendAsync(gateUser, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(gateUser.Value, "gate", "gate@example.com"))]);
        var other = StreamId.New();
        var last = await store.AppendAsync(other, ExpectedVersion.NoStream, [new NewEvent(new UserCreated(other.Value, "Ada", "ada@example.com"))]);
        await using var daemon = new ProjectionDaemon(store, new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        await daemon.StartAsync();
        await daemon.WaitForProjectionAsync(VersionedUserProjection.ProjectionName, last.LogPosition, TimeSpan.FromSeconds(60));
        var view = $"{store.Schema}.v_{VersionedUserProjection.ProjectionName}";
        var columns = $"SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '{view}'::regclass AND attnum > 0";
        var before = await _fixture.ScalarAsync<string>(columns);

        projection.Code = 2;
        using var gate = new ManualResetEventSlim();
        projection.Gate = gate;
        var rebuilding = Task.Run(() => daemon.RebuildAsync(VersionedUserProjection.ProjectionName));
        Assert.That(await projection.Reached.WaitAsync(TimeSpan.FromSeconds(60)), Is.True);

        Assert.That(await _fixture.ScalarAsync<string>($"SELECT string_agg(DISTINCT data->>'code', ',') FROM {view}"), Is.EqualTo("1"));
        Assert.That(await _fixture.ScalarAsync<long>($"SELECT count(*) FROM {view}"), Is.EqualTo(2));
        gate.Set();
        await rebuilding;

        Assert.That(await _fixture.ScalarAsync<string>($"SELECT string_agg(DISTINCT data->>'code', ',') FROM {view}"), Is.EqualTo("2"));
        Assert.That(await _fixture.ScalarAsync<long>($"SELECT count(*) FROM {view}"), Is.EqualTo(2));
        Assert.That(await _fixture.ScalarAsync<string>(columns), Is.EqualTo(before).And.EqualTo("id,data"));
    }

    private sealed class Fixture : PostgresFixture
    {
        public Task<T> ScalarAsync<T>(string sql) => Database.ScalarAsync<T>(sql);

        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) => NewStoreAsync(configure);

        public Task<bool> ShadowExistsAsync(PostgresEventStore store, string projectionName) =>
            Database.ScalarAsync<bool>($"SELECT to_regclass('{store.Schema}.proj_{projectionName}__rb') IS NOT NULL");
    }
}
