using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

[TestFixture]
public sealed class DependencyInjectionTests : PostgresFixture
{
    [Test]
    public async Task UsePostgres_with_a_connection_string_gives_a_working_store_in_the_chosen_schema()
    {
        var schema = NewSchemaName();
        var services = new ServiceCollection();
        services.AddEventStore(TestEvents.RegisterAll).UsePostgres(Database.ConnectionString, o => o.Schema = schema);
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IEventStore>();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));

        Assert.That(store, Is.InstanceOf<PostgresEventStore>());
        Assert.That(((PostgresEventStore)store).Schema, Is.EqualTo(schema));
        Assert.That(await store.ReadStreamAsync(streamId).CountAsync(), Is.EqualTo(2));
    }

    [Test]
    public async Task UsePostgres_without_a_connection_string_uses_the_registered_data_source()
    {
        var services = new ServiceCollection();
        services.AddSingleton(Database.DataSource);
        services.AddEventStore(TestEvents.RegisterAll).UsePostgres(configure: o => o.Schema = NewSchemaName());
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IEventStore>();

        Assert.That((await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1))).NextExpectedVersion,
            Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public void UsePostgres_without_a_connection_string_or_data_source_explains_what_is_missing()
    {
        var services = new ServiceCollection();
        services.AddEventStore().UsePostgres();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEventStore>());

        Assert.That(error!.Message, Does.Contain(nameof(NpgsqlDataSource)));
    }

    [Test]
    public void An_invalid_schema_is_refused_at_registration()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddEventStore().UsePostgres(Database.ConnectionString, o => o.Schema = "no spaces"));
    }
}
