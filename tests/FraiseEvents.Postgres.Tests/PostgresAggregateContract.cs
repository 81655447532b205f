using FraiseEvents.Conformance.Aggregates;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresAggregateContract : AggregateContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync() => await _fixture.CreateStoreAsync();

    private sealed class Fixture : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync() => NewStoreAsync();
    }
}
