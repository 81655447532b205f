using System.Collections.Concurrent;
using FraiseEvents.Conformance;
using FraiseEvents.Postgres.Tests.Support;
using Microsoft.Extensions.Logging;
using Npgsql;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests.Diagnostics;

[TestFixture]
public sealed class LoggingTests : PostgresFixture
{
    [Test]
    public async Task A_refused_start_up_is_logged_as_an_error_with_a_stable_event_id()
    {
        var logs = new CollectingLoggerFactory();
        var unsafeConnection = new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Options = "-c synchronous_commit=off" }.ConnectionString;
        await using var store = PostgresEventStore.Create(unsafeConnection, TestEvents.RegisterAll, o =>
        {
            o.Schema = NewSchemaName();
            o.LoggerFactory = logs;
        });

        Assert.ThrowsAsync<EventStoreConfigurationException>(() => store.InitializeAsync());

        var refused = logs.Entries.Single(e => e.EventId.Id == 1004);
        Assert.That(refused.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(refused.Message, Does.Contain("synchronous_commit=off").And.Contain(store.Schema));
    }

    [Test]
    public async Task A_missing_schema_is_logged_as_an_error_without_stream_ids()
    {
        var logs = new CollectingLoggerFactory();
        await using var store = PostgresEventStore.Create(Database.ConnectionString, TestEvents.RegisterAll, o =>
        {
            o.Schema = NewSchemaName();
            o.ApplyMigrationsOnStartup = false;
            o.LoggerFactory = logs;
        });
        var streamId = StreamId.New();

        Assert.ThrowsAsync<EventStoreConfigurationException>(() => store.AppendAsync(streamId, ExpectedVersion.NoStream, TestEvents.Batch(1)));

        var missing = logs.Entries.Single(e => e.EventId.Id == 3002);
        Assert.That(missing.Level, Is.EqualTo(LogLevel.Error));
        Assert.That(logs.Entries.Select(e => e.Message), Has.None.Contain(streamId.ToString()));
    }

    private sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message);

    /// <summary>The store's own entries; the factory also reaches Npgsql, whose event ids are its own.</summary>
    private sealed class CollectingLoggerFactory : ILoggerFactory
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyList<Entry> Entries => [.. _entries.Where(e => e.Category == typeof(PostgresEventStore).FullName)];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception)));
        }
    }
}
