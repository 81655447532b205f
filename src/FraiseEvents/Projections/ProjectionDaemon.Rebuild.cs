using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraiseEvents.Projections;

/// <summary>Rebuilding an async document projection blue/green while the application keeps appending (docs/async-projections.md, "Rebuild").</summary>
public sealed partial class ProjectionDaemon
{
    private readonly ConcurrentDictionary<string, ProjectionRebuild> _rebuilds = new(StringComparer.Ordinal);

    /// <summary>
    /// Rebuilds an async document projection from the start of the log, blue/green, while the
    /// application keeps appending and the projection keeps running: the documents are folded into a
    /// shadow (in PostgreSQL the table <c>proj_&lt;name&gt;__rb</c>) with a checkpoint of their own
    /// (<c>rebuild:&lt;name&gt;</c>); once it has caught up, the projection's runner pauses between two
    /// batches, the shadow takes in the last events, and in one transaction it replaces the live
    /// documents (table, view <c>v_&lt;name&gt;</c>, grants) and the live checkpoint moves to it. Until that
    /// commit, readers see the old read model. Returns once swapped. Progress: <see cref="GetRebuildStatus"/>.
    /// Run it on the daemon that runs the projection, started or not (not started, it takes the
    /// projection's lock for the moment of the swap).
    /// </summary>
    /// <param name="projectionName">The async document projection to rebuild.</param>
    /// <param name="cancellationToken">Cancels the rebuild before its swap: the shadow is dropped and the live projection is untouched.</param>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    /// <exception cref="NotSupportedException">The projection is a <see cref="SqlProjection"/>: its tables are the application's own (see docs/async-projections.md).</exception>
    /// <exception cref="InvalidOperationException">A rebuild of it already runs on this daemon, or another daemon runs the projection, or its checkpoint moved under the swap.</exception>
    public async Task RebuildAsync(string projectionName, CancellationToken cancellationToken = default)
    {
        var runner = Find(projectionName);
        if (runner.Projection is not IDocumentProjection document)
        {
            throw new NotSupportedException(
                $"Projection '{projectionName}' is a SQL projection: its tables are the application's own, so FraiseEvents cannot build them aside. "
                + $"Empty them yourself, then reset its checkpoint ({runner.CheckpointName}) to LogPosition.Start with the daemon stopped.");
        }

        if (_store is not IProjectionRebuildStore rebuilds)
        {
            throw new NotSupportedException($"{_store.GetType().Name} cannot rebuild projections.");
        }

        var logger = _options.LoggerFactory?.CreateLogger<ProjectionDaemon>() ?? (ILogger)NullLogger<ProjectionDaemon>.Instance;
        var rebuild = new ProjectionRebuild(_store, rebuilds, document, runner, _options, _time, logger);
        var previous = _rebuilds.GetValueOrDefault(projectionName);
        if (previous is { IsRunning: true } || !(previous is null ? _rebuilds.TryAdd(projectionName, rebuild) : _rebuilds.TryUpdate(projectionName, rebuild, previous)))
        {
            throw new InvalidOperationException($"A rebuild of projection '{projectionName}' already runs on this daemon: wait for it (GetRebuildStatus) or cancel it.");
        }

        await rebuild.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The progress of the latest rebuild of a projection on this daemon (running or ended), or null when none was started.</summary>
    /// <param name="projectionName">The async projection's name.</param>
    /// <exception cref="ArgumentException">The store has no async projection of that name.</exception>
    public RebuildStatus? GetRebuildStatus(string projectionName) =>
        _rebuilds.TryGetValue(Find(projectionName).Name, out var rebuild) ? rebuild.Status : null;
}
