using FraiseEvents.Conformance.Subscriptions;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class PostgresSubscriptionContract : SubscriptionContract
{
    private readonly Fixture _fixture = new();

    [OneTimeSetUp]
    public Task SetUpAsync() => _fixture.CreateDatabaseAsync();

    [OneTimeTearDown]
    public Task TearDownAsync() => _fixture.DropDatabaseAsync();

    protected override async Task<IEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure = null) =>
        await _fixture.CreateStoreAsync(configure);

    /// <summary>A real open transaction: its event takes a log position before the appends that commit while it waits.</summary>
    protected override async Task<(Guid EventId, Func<Task> Commit)> AppendInOpenTransactionAsync(IEventStore store)
    {
        var appender = await _fixture.BeginAppendAsync((PostgresEventStore)store);
        var (eventId, _) = await appender.AppendAsync();
        return (eventId, async () =>
        {
            await appender.CommitAsync();
            await appender.DisposeAsync();
        });
    }

    private sealed class Fixture : PostgresFixture
    {
        public Task<PostgresEventStore> CreateStoreAsync(Action<EventStoreOptions>? configure) => NewStoreAsync(configure);

        public Task<RawAppender> BeginAppendAsync(PostgresEventStore store) => RawAppender.BeginAsync(Database.DataSource, store.Schema);
    }
}
