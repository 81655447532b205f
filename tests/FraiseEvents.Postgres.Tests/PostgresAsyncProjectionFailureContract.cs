using FraiseEvents.Conformance.Projections;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresAsyncProjectionFailureContract : AsyncProjectionFailureContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        await _fixture.CreateStoreAsync(configure);

    private sealed class Fixture : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) => NewStoreAsync(configure);
    }
}
