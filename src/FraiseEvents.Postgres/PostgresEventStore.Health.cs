using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <summary>What <see cref="PostgresEventStoreHealthCheck"/> reports; see there.</summary>
    internal async Task<HealthCheckResult> CheckHealthAsync(HealthStatus failureStatus, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["schema"] = Schema, ["required_migration"] = MigrationScripts.LatestVersion };
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            return new HealthCheckResult(failureStatus, "PostgreSQL does not answer: " + ex.Message, ex, data);
        }

        await using var connectionDisposal = connection.ConfigureAwait(false);
        try
        {
            var applied = await Migrations.GetAppliedVersionsAsync(cancellationToken).ConfigureAwait(false);
            var version = applied.Count == 0 ? 0 : applied[^1];
            data["migration"] = version;
            if (version < MigrationScripts.LatestVersion)
            {
                return new HealthCheckResult(failureStatus, version == 0
                    ? $"Schema '{Schema}' has no FraiseEvents tables: apply the migrations (store.Migrations.ApplyAsync(), or the files in migrations/ with psql)."
                    : $"Schema '{Schema}' is at FraiseEvents migration {version}, but this library needs {MigrationScripts.LatestVersion}: apply the pending migrations.",
                    data: data);
            }

            using var command = new NpgsqlCommand(_sql.VerifyStore, connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerDisposal = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var txIdsOk = reader.GetBoolean(2);
            var fsync = reader.GetString(3);
            var synchronousCommit = reader.GetString(4);
            data["fsync"] = fsync;
            data["synchronous_commit"] = synchronousCommit;
            if (!txIdsOk)
            {
                return new HealthCheckResult(failureStatus,
                    $"The cluster's transaction counter is behind the events stored in schema '{Schema}', as after a restore into another cluster: "
                    + "the store refuses to start until rebase_transaction_ids() is run.", data: data);
            }

            if (fsync == "off" || synchronousCommit == "off")
            {
                var description = $"The server runs with fsync={fsync} and synchronous_commit={synchronousCommit}: a crash would lose acknowledged appends.";
                return _options.AllowUnsafeDurabilitySettings
                    ? HealthCheckResult.Degraded(description + " Allowed by AllowUnsafeDurabilitySettings.", data: data)
                    : new HealthCheckResult(failureStatus, description + " The store refuses to start.", data: data);
            }

            return HealthCheckResult.Healthy($"Schema '{Schema}' is at FraiseEvents migration {version} and the server is durable.", data);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            return new HealthCheckResult(failureStatus, $"Checking schema '{Schema}' failed: {ex.Message}", ex, data);
        }
    }
}
