using FraiseEvents.Benchmarks.Subjects;
using Npgsql;

namespace FraiseEvents.Benchmarks.Scenarios;

/// <summary>
/// What the growth scenario needs of a library beyond <see cref="ISubject"/>: its own reads of the
/// global log and of a stream as of a time, the sizes of its tables, and the server's WAL counters.
/// </summary>
internal abstract class GrowthProbe(string connectionString)
{
    public static GrowthProbe For(ISubject subject) => subject switch
    {
        FraiseSubject fraise => new FraiseGrowthProbe(fraise),
        MartenSubject marten => new MartenGrowthProbe(marten),
        _ => throw new NotSupportedException($"The growth scenario has no probe for {subject.Name}."),
    };

    /// <summary>The library's event table and its streams table.</summary>
    protected abstract (string Events, string Streams) Tables { get; }

    public virtual bool AuditsByAuthor => false;

    /// <summary>Runs once before the log is grown.</summary>
    public virtual Task PrepareAsync() => Task.CompletedTask;

    /// <summary>Loads new streams through the library's bulk path; events carry an author where the library stores one.</summary>
    public abstract Task LoadAsync(IReadOnlyList<(Guid StreamId, object[] Events)> streams, Guid[] authors);

    public abstract Task<int> ReadAsOfAsync(Guid streamId, DateTimeOffset asOf);

    /// <summary>For each stream, the position of its first event in the global log, to page from.</summary>
    public abstract Task<IReadOnlyList<(long, long)>> LogCursorsAsync(IReadOnlyList<Guid> streamIds);

    public abstract Task<int> ReadLogPageAsync((long, long) cursor, int count);

    public virtual Task<int> AuditByAuthorAsync(Guid author) => throw new NotSupportedException();

    public virtual Task IndexByAuthorAsync(bool present) => throw new NotSupportedException();

    public async Task<(long Heap, long Indexes, long Total, long WithStreams, long Events)> StorageAsync()
    {
        var (events, streams) = Tables;
        var row = await RowAsync(
            $"SELECT pg_relation_size('{events}'), pg_indexes_size('{events}'), pg_total_relation_size('{events}'), "
            + $"pg_total_relation_size('{events}') + pg_total_relation_size('{streams}'), (SELECT count(*) FROM {events})");
        return (row[0], row[1], row[2], row[3], row[4]);
    }

    /// <summary>Where the WAL is now; <see cref="WalSinceAsync"/> reads what was written after it.</summary>
    public async Task<long> WalMarkAsync()
    {
        await ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
        return (await RowAsync("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"))[0];
    }

    /// <summary>
    /// The WAL written since a mark, from the records themselves (pg_walinspect): bytes, of which
    /// full-page images, and those of btree pages. The whole cluster's, so the run must be alone on it.
    /// </summary>
    public async Task<(long Bytes, long FullPageImageBytes, long BtreeFullPageImageBytes)> WalSinceAsync(long mark)
    {
        var row = await RowAsync(
            "SELECT coalesce(sum(record_length), 0)::bigint, coalesce(sum(fpi_length), 0)::bigint, "
            + "coalesce(sum(fpi_length) FILTER (WHERE resource_manager = 'Btree'), 0)::bigint "
            + $"FROM pg_get_wal_records_info('0/0'::pg_lsn + {mark}, pg_current_wal_flush_lsn())");
        return (row[0], row[1], row[2]);
    }

    protected async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long[]> RowAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var row = new long[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.GetInt64(i);
        }

        return row;
    }
}
