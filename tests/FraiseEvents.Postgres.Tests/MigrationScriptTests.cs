using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>The migration SQL that NuGet users apply from a deployment step, run with psql.</summary>
[TestFixture]
public sealed class MigrationScriptTests : PostgresFixture
{
    [Test]
    public async Task The_pending_script_of_a_new_schema_creates_it_and_a_store_that_may_not_migrate_accepts_the_result()
    {
        var store = Unmigrated(NewSchemaName());

        var script = await store.Migrations.GetPendingScriptAsync();
        await ApplyWithPsqlAsync(script);

        Assert.That(script, Is.EqualTo(PostgresMigrations.GetScript(store.Schema)));
        Assert.That(await store.Migrations.GetAppliedVersionsAsync(), Is.EqualTo(store.Migrations.All.Select(m => m.Version)));
        Assert.That(await store.Migrations.GetPendingScriptAsync(), Is.Empty);
        await store.InitializeAsync();
        var result = await store.AppendAsync(StreamId.New(), ExpectedVersion.NoStream, TestEvents.Batch(1));
        Assert.That(result.NextExpectedVersion, Is.EqualTo(new StreamVersion(1)));
    }

    [Test]
    public async Task The_pending_script_of_an_outdated_schema_holds_only_the_migrations_it_lacks()
    {
        var outdated = await NewStoreAsync();
        var first = outdated.Migrations.All[0];
        await Database.ExecuteAsync($"DELETE FROM {outdated.Schema}.tb_schema_migrations WHERE version > {first.Version}");

        var script = await outdated.Migrations.GetPendingScriptAsync();
        await ApplyWithPsqlAsync(script);

        Assert.That(script, Does.Not.Contain($"-- {first.Name}.sql"));
        foreach (var later in outdated.Migrations.All.Skip(1))
        {
            Assert.That(script, Does.Contain($"-- {later.Name}.sql"));
        }

        Assert.That(await outdated.Migrations.GetAppliedVersionsAsync(), Is.EqualTo(outdated.Migrations.All.Select(m => m.Version)));
        Assert.That(await Unmigrated(outdated.Schema).Migrations.GetPendingScriptAsync(), Is.Empty);
    }

    [Test]
    public async Task The_full_script_can_run_again_on_an_up_to_date_schema_and_keeps_its_events()
    {
        var store = await NewStoreAsync();
        var streamId = StreamId.New();
        await store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(2));

        await ApplyWithPsqlAsync(PostgresMigrations.GetScript(store.Schema));

        var reopened = Unmigrated(store.Schema);
        await reopened.InitializeAsync();
        Assert.That((await reopened.GetStreamStateAsync(streamId))!.Version, Is.EqualTo(new StreamVersion(2)));
    }

    [Test]
    public async Task The_script_of_the_default_schema_places_everything_in_public()
    {
        await using var database = await TestDatabase.CreateAsync("script_public");

        await ApplyWithPsqlAsync(PostgresMigrations.GetScript(), database.ConnectionString);

        Assert.That(await database.ScalarAsync<bool>("SELECT to_regclass('public.tb_events') IS NOT NULL"), Is.True);
    }

    [Test]
    public void An_invalid_schema_name_is_refused_before_any_SQL_is_written()
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresMigrations.GetScript("x'; DROP TABLE y; --"));

        Assert.That(error!.Message, Does.Contain("Schema"));
    }

    private PostgresEventStore Unmigrated(string schema) => new(Database.DataSource, TestEvents.Options(),
        new PostgresEventStoreOptions { Schema = schema, ApplyMigrationsOnStartup = false });

    private async Task ApplyWithPsqlAsync(string script, string? connectionString = null)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, script);
            var (exitCode, output) = await Psql.RunFileAsync(connectionString ?? Database.ConnectionString, path);
            Assert.That(exitCode, Is.EqualTo(0), $"psql failed:\n{output}\n{script}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
