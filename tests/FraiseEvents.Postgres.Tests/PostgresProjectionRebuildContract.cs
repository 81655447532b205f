using FraiseEvents.Conformance.Projections;
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

    private sealed class Fixture : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) => NewStoreAsync(configure);

        public Task<bool> ShadowExistsAsync(PostgresEventStore store, string projectionName) =>
            Database.ScalarAsync<bool>($"SELECT to_regclass('{store.Schema}.proj_{projectionName}__rb') IS NOT NULL");
    }
}
