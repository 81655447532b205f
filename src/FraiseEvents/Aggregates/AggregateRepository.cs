using System.Diagnostics;
using System.Text.Json;
using FraiseEvents.Diagnostics;
using FraiseEvents.Serialization;
using FraiseEvents.Snapshots;

namespace FraiseEvents.Aggregates;

/// <summary>
/// Loads aggregates from their streams (from the newest usable snapshot when there is one), saves
/// their new events with the loaded version as the expected version, and loads them as they were
/// at a version or a point in time.
/// </summary>
/// <typeparam name="TAggregate">The aggregate type.</typeparam>
public sealed class AggregateRepository<TAggregate> where TAggregate : class, IAggregate
{
    private readonly IEventStore _store;
    private readonly Func<StreamId, TAggregate> _factory;
    private readonly SnapshotPolicy _policy;
    private readonly ISnapshotStore? _snapshots;
    private readonly SnapshotAdapter<TAggregate>? _adapter;
    private readonly JsonSerializerOptions _snapshotJson;
    private readonly StoreTelemetry _telemetry;

    // Raised events not yet committed, by reference, with the NewEvent (and id) they are sent as.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, NewEvent> _pendingEvents = new();

    /// <summary>Creates a repository.</summary>
    /// <param name="store">The event store. For snapshots it must also implement <see cref="ISnapshotStore"/> (both built-in stores do).</param>
    /// <param name="factory">Creates an empty aggregate (version 0) for a stream id.</param>
    /// <param name="options">Stream type and snapshot settings; defaults when null.</param>
    /// <exception cref="ArgumentException">Snapshots are asked for but the aggregate or the store does not support them.</exception>
    public AggregateRepository(IEventStore store, Func<StreamId, TAggregate> factory, AggregateRepositoryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(factory);
        options ??= new AggregateRepositoryOptions();
        _store = store;
        _factory = factory;
        _telemetry = (store as IInstrumentedEventStore)?.Telemetry ?? StoreTelemetry.Unattributed;
        StreamType = options.StreamType ?? typeof(TAggregate).Name;
        StoredNames.ValidateStreamType(StreamType, "AggregateRepositoryOptions.StreamType", nameof(options));

        _policy = options.Snapshots ?? throw new ArgumentException("AggregateRepositoryOptions.Snapshots must not be null; use SnapshotPolicy.Never.", nameof(options));
        var json = options.SnapshotJsonOptions ?? throw new ArgumentException("AggregateRepositoryOptions.SnapshotJsonOptions must not be null.", nameof(options));
        _snapshotJson = new JsonSerializerOptions(json);
        _snapshotJson.MakeReadOnly(populateMissingResolver: true);
        if (!_policy.IsNever)
        {
            _adapter = SnapshotAdapter<TAggregate>.Create() ?? throw new ArgumentException(
                $"A snapshot policy is set, but {typeof(TAggregate).Name} does not implement ISnapshotable<TSnapshot>.", nameof(options));
            _snapshots = store as ISnapshotStore ?? throw new ArgumentException(
                $"A snapshot policy is set, but {store.GetType().Name} does not implement ISnapshotStore.", nameof(options));
        }
    }

    /// <summary>The stream type recorded for and checked on this aggregate's streams.</summary>
    public string StreamType { get; }

    /// <summary>A new aggregate for a stream that must not exist yet: saving it fails if it does.</summary>
    public TAggregate Create(StreamId id)
    {
        var aggregate = _factory(id) ?? throw new InvalidOperationException($"The factory of {typeof(TAggregate).Name} returned null.");
        if (aggregate.Version != StreamVersion.None || aggregate.Id != id)
        {
            throw new InvalidOperationException(
                $"The factory of {typeof(TAggregate).Name} must return an empty aggregate (version 0) with the id it is given.");
        }

        return aggregate;
    }

    /// <summary>The aggregate with every stored event applied, or null when its stream does not exist.</summary>
    /// <exception cref="StreamTypeMismatchException">The stream belongs to another type.</exception>
    public Task<TAggregate?> LoadAsync(StreamId id, CancellationToken cancellationToken = default) =>
        LoadCoreAsync(id, maxVersion: null, asOf: null, cancellationToken);

    /// <summary>The aggregate with every stored event applied.</summary>
    /// <exception cref="StreamNotFoundException">Its stream does not exist.</exception>
    /// <exception cref="StreamTypeMismatchException">The stream belongs to another type.</exception>
    public async Task<TAggregate> GetAsync(StreamId id, CancellationToken cancellationToken = default) =>
        await LoadAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new StreamNotFoundException(id);

    /// <summary>
    /// The aggregate as it was after event <paramref name="version"/> (or the stream's last event,
    /// if it has fewer); null when the stream does not exist or <paramref name="version"/> is 0.
    /// A deleted aggregate is returned with <see cref="IAggregate.IsDeleted"/> set.
    /// </summary>
    public Task<TAggregate?> LoadAtVersionAsync(StreamId id, StreamVersion version, CancellationToken cancellationToken = default) =>
        version == StreamVersion.None
            ? Task.FromResult<TAggregate?>(null)
            : LoadCoreAsync(id, version, asOf: null, cancellationToken);

    /// <summary>
    /// The aggregate as it was at <paramref name="asOf"/> (events stored at or before it, by the
    /// database clock), as the documented <c>user_at_time</c>: null when it did not exist yet, or
    /// was deleted by then.
    /// </summary>
    public async Task<TAggregate?> LoadAsOfAsync(StreamId id, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        var aggregate = await LoadCoreAsync(id, maxVersion: null, asOf, cancellationToken).ConfigureAwait(false);
        return aggregate is { IsDeleted: false } ? aggregate : null;
    }

    /// <summary>
    /// Appends the aggregate's uncommitted events, expecting the stream to be at the version it was
    /// loaded at (no stream for a new aggregate), and writes a snapshot when the policy says so.
    /// </summary>
    /// <returns>The append's result; null when there was nothing to save.</returns>
    /// <exception cref="WrongExpectedVersionException">Another writer changed the stream first; nothing was written. Reload and retry.</exception>
    /// <exception cref="StreamTypeMismatchException">The stream belongs to another type; nothing was written.</exception>
    /// <exception cref="SnapshotWriteFailedException">The events were committed but the after-commit snapshot failed.</exception>
    public Task<AppendResult?> SaveAsync(TAggregate aggregate, AppendOptions? options = null, CancellationToken cancellationToken = default) =>
        StoreTelemetry.Tracing ? TracedSaveAsync(aggregate, options, cancellationToken) : SaveCoreAsync(aggregate, options, cancellationToken);

    private async Task<AppendResult?> TracedSaveAsync(TAggregate aggregate, AppendOptions? options, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(TelemetryOperations.SaveAggregate, aggregate?.Id);
        try
        {
            return await SaveCoreAsync(aggregate!, options, cancellationToken).ConfigureAwait(false); // null is refused inside
        }
        catch (Exception ex)
        {
            StoreTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private async Task<AppendResult?> SaveCoreAsync(TAggregate aggregate, AppendOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var raised = aggregate.UncommittedEvents;
        if (raised.Count == 0)
        {
            return null;
        }

        var expected = aggregate.Version == StreamVersion.None ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(aggregate.Version);
        var newVersion = new StreamVersion(aggregate.Version.Value + raised.Count);
        var events = new NewEvent[raised.Count];
        for (var i = 0; i < events.Length; i++)
        {
            // The same raised instance keeps its event id across retries of this save, so a retry after
            // a lost reply is recognised as already appended instead of failing on the version.
            var newEvent = raised[i] as NewEvent ?? _pendingEvents.GetValue(raised[i], static e => new NewEvent(e));
            events[i] = Array.IndexOf(events, newEvent, 0, i) >= 0 ? new NewEvent(raised[i]) : newEvent;
        }

        var appendOptions = (options ?? new AppendOptions()) with { StreamType = StreamType };
        var snapshot = _snapshots is not null
            && _policy.ShouldSnapshot(new SnapshotDecision(aggregate.Id, aggregate.Version, newVersion, raised))
                ? new SnapshotWrite(newVersion, _adapter!.SchemaVersion(aggregate), _adapter.Serialize(aggregate, _snapshotJson), _policy.Keep) // _adapter is set with _snapshots
                : null;

        AppendResult result;
        if (snapshot is not null && _policy.Mode == SnapshotMode.Inline)
        {
            result = await _snapshots!.AppendWithSnapshotAsync(aggregate.Id, expected, events, snapshot, appendOptions, cancellationToken) // non-null when snapshot is
                .ConfigureAwait(false);
            Committed(aggregate, raised, result);
            return result;
        }

        result = await _store.AppendAsync(aggregate.Id, expected, events, appendOptions, cancellationToken).ConfigureAwait(false);
        Committed(aggregate, raised, result);
        if (snapshot is not null)
        {
            try
            {
                await _snapshots!.WriteSnapshotAsync(aggregate.Id, snapshot, cancellationToken).ConfigureAwait(false); // non-null when snapshot is
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new SnapshotWriteFailedException(aggregate.Id, result, ex);
            }
        }

        return result;
    }

    private void Committed(TAggregate aggregate, IReadOnlyList<object> raised, AppendResult result)
    {
        foreach (var @event in raised)
        {
            _pendingEvents.Remove(@event);
        }

        aggregate.MarkCommitted(result.NextExpectedVersion);
    }

    private Task<TAggregate?> LoadCoreAsync(StreamId id, StreamVersion? maxVersion, DateTimeOffset? asOf, CancellationToken cancellationToken) =>
        StoreTelemetry.Tracing ? TracedLoadAsync(id, maxVersion, asOf, cancellationToken) : LoadFromStoreAsync(id, maxVersion, asOf, cancellationToken);

    private async Task<TAggregate?> TracedLoadAsync(StreamId id, StreamVersion? maxVersion, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(TelemetryOperations.LoadAggregate, id);
        try
        {
            return await LoadFromStoreAsync(id, maxVersion, asOf, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            StoreTelemetry.Failed(activity, ex);
            throw;
        }
    }

    /// <summary>An internal span (the store's client spans nest under it) naming the aggregate type.</summary>
    private Activity? StartActivity(string operation, StreamId? id)
    {
        var activity = _telemetry.StartActivity(operation, id, ActivityKind.Internal);
        activity?.SetTag(TelemetryTags.AggregateType, StreamType);
        return activity;
    }

    private async Task<TAggregate?> LoadFromStoreAsync(StreamId id, StreamVersion? maxVersion, DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        if (asOf is null && _store is ISnapshotStore reader)
        {
            return await LoadInOneReadAsync(reader, id, maxVersion, cancellationToken).ConfigureAwait(false);
        }

        var state = await _store.GetStreamStateAsync(id, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return null;
        }

        if (state.StreamType is not null && state.StreamType != StreamType)
        {
            throw new StreamTypeMismatchException(id, StreamType, state.StreamType);
        }

        if (asOf is { } time && state.CreatedAt > time)
        {
            return null;
        }

        // Never past the version just read, so a concurrent append cannot make the load inconsistent.
        var target = maxVersion is { } max && max < state.Version ? max : state.Version;
        var aggregate = Create(id);
        var from = await RestoreSnapshotAsync(aggregate, target, asOf, cancellationToken).ConfigureAwait(false);
        if (from <= target)
        {
            var events = asOf is { } at
                ? _store.ReadStreamAsOfAsync(id, at, from, cancellationToken)
                : _store.ReadStreamAsync(id, from, target, cancellationToken);
            await foreach (var recorded in events.ConfigureAwait(false))
            {
                if (recorded.Version > target)
                {
                    break;
                }

                aggregate.ApplyStored(recorded.Data, recorded.Version);
            }
        }

        return aggregate.Version == StreamVersion.None ? null : aggregate;
    }

    /// <summary>
    /// The state, the snapshot and the events after it in one read (one round trip on PostgreSQL,
    /// where the separate reads took three). Only a snapshot that cannot be restored costs a second
    /// read, of the whole stream.
    /// </summary>
    private async Task<TAggregate?> LoadInOneReadAsync(ISnapshotStore reader, StreamId id, StreamVersion? maxVersion, CancellationToken cancellationToken)
    {
        var aggregate = Create(id);
        var read = await reader.ReadStreamWithSnapshotAsync(id, _snapshots is null ? null : _adapter!.SchemaVersion(aggregate), maxVersion,
            cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            return null;
        }

        if (read.State.StreamType is not null && read.State.StreamType != StreamType)
        {
            throw new StreamTypeMismatchException(id, StreamType, read.State.StreamType);
        }

        // Never past the version just read, so a concurrent append cannot make the load inconsistent.
        var target = maxVersion is { } max && max < read.State.Version ? max : read.State.Version;
        IEnumerable<RecordedEvent> events = read.Events;
        if (_snapshots is not null)
        {
            var snapshot = read.Snapshot;
            if (snapshot is not null && snapshot.Version <= target && _adapter!.TryRestore(aggregate, snapshot.Data, _snapshotJson))
            {
                _telemetry.SnapshotLookedUp(hit: true, StreamType);
                aggregate.SetStoredVersion(snapshot.Version);
            }
            else
            {
                // No snapshot, or one that cannot be used: it is only a cache, so rebuild from events.
                _telemetry.SnapshotLookedUp(hit: false, StreamType);
                if (snapshot is not null)
                {
                    aggregate = Create(id);
                    events = await _store.ReadStreamAsync(id, StreamVersion.First, target, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        foreach (var recorded in events)
        {
            if (recorded.Version > target)
            {
                break;
            }

            aggregate.ApplyStored(recorded.Data, recorded.Version);
        }

        return aggregate.Version == StreamVersion.None ? null : aggregate;
    }

    /// <summary>Restores the newest usable snapshot, if any; returns the first version still to read.</summary>
    private async Task<StreamVersion> RestoreSnapshotAsync(TAggregate aggregate, StreamVersion target, DateTimeOffset? asOf,
        CancellationToken cancellationToken)
    {
        if (_snapshots is null)
        {
            return StreamVersion.First;
        }

        var snapshot = await _snapshots.ReadSnapshotAsync(aggregate.Id, _adapter!.SchemaVersion(aggregate), target, asOf, cancellationToken) // set with _snapshots
            .ConfigureAwait(false);
        if (snapshot is null || snapshot.Version > target || !_adapter.TryRestore(aggregate, snapshot.Data, _snapshotJson))
        {
            // No snapshot, or one that cannot be read: it is only a cache, so rebuild from events.
            _telemetry.SnapshotLookedUp(hit: false, StreamType);
            return StreamVersion.First;
        }

        _telemetry.SnapshotLookedUp(hit: true, StreamType);

        aggregate.SetStoredVersion(snapshot.Version);
        return new StreamVersion(snapshot.Version.Value + 1);
    }
}
