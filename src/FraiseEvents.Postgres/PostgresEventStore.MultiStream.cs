using System.Diagnostics;
using FraiseEvents.Diagnostics;
using FraiseEvents.Projections;
using FraiseEvents.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace FraiseEvents.Postgres;

public sealed partial class PostgresEventStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One call of <c>try_append_to_streams</c> (with inline projections' writes in the same batch):
    /// one round trip, one transaction. The streams' locks are taken first, in one global order, so
    /// that concurrent calls naming the same streams in other orders queue instead of deadlocking.
    /// </remarks>
    public Task<IReadOnlyList<AppendResult>> AppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken = default) =>
        _telemetry.AppendsObserved ? ObservedAppendToStreamsAsync(appends, cancellationToken) : AppendToStreamsCoreAsync(appends, cancellationToken);

    private async Task<IReadOnlyList<AppendResult>> ObservedAppendToStreamsAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = _telemetry.StartActivity(TelemetryOperations.AppendToStreams, streamId: null);
        activity?.SetTag(TelemetryTags.StreamCount, appends?.Count);
        try
        {
            var results = await AppendToStreamsCoreAsync(appends!, cancellationToken).ConfigureAwait(false); // null is refused inside
            _telemetry.AppendSucceeded(activity, TelemetryOperations.AppendToStreams, startedAt, results[0].WasAlreadyAppended,
                appends!.Sum(a => a.Events.Count));
            return results;
        }
        catch (Exception ex)
        {
            _telemetry.AppendFailed(activity, TelemetryOperations.AppendToStreams, startedAt, ex);
            throw;
        }
    }

    private async Task<IReadOnlyList<AppendResult>> AppendToStreamsCoreAsync(IReadOnlyList<StreamAppend> appends, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var prepared = MultiStreamAppends.Prepare(_serializer, appends);
        var outcomes = await AppendToStoreAsync(prepared, snapshot: null, cancellationToken).ConfigureAwait(false);
        var results = new AppendResult[prepared.Length];
        List<ConcurrencyException>? conflicts = null;
        for (var i = 0; i < prepared.Length; i++)
        {
            var (append, outcome) = (prepared[i], outcomes[i]);
            switch (outcome.Status)
            {
                case WrongExpectedVersion:
                    (conflicts ??= []).Add(new WrongExpectedVersionException(append.StreamId, append.ExpectedVersion, outcome.StreamVersion));
                    break;
                case EventIdConflict:
                    (conflicts ??= []).Add(new IdempotencyConflictException(append.StreamId, EventIds(append.Serialized)));
                    break;
                case NotWrittenBecauseOfAnotherStream:
                    break;
                default:
                    // Appended, stored before, or a stream type mismatch (thrown at once: a bug, not a race).
                    results[i] = ResultOf(outcome, append.StreamId, append.ExpectedVersion, append.Serialized, append.Options);
                    break;
            }
        }

        return conflicts is null ? results : throw _logger.Logged(Schema, new MultiStreamConflictException(prepared.Length, conflicts));
    }

    /// <summary>The statement that appends: <c>try_append_events</c> for one stream, <c>try_append_to_streams</c> for several.</summary>
    private NpgsqlBatchCommand AppendCommand(ProjectionAppend[] appends)
    {
        if (appends.Length == 1)
        {
            var single = new NpgsqlBatchCommand(_sql.Append);
            AddAppendParameters(single.Parameters, appends[0].StreamId, appends[0].ExpectedVersion, appends[0].Serialized, appends[0].Options?.StreamType);
            return single;
        }

        var command = new NpgsqlBatchCommand(_sql.AppendToStreams);
        var streams = appends.Length;
        var streamIds = new Guid[streams];
        var expected = new long[streams];
        var counts = new int[streams];
        string?[]? streamTypes = null;
        var events = new List<SerializedEvent>();
        for (var i = 0; i < streams; i++)
        {
            var append = appends[i];
            streamIds[i] = append.StreamId.Value;
            expected[i] = append.ExpectedVersion.Value;
            counts[i] = append.Serialized.Length;
            if (append.Options?.StreamType is { } type)
            {
                (streamTypes ??= new string?[streams])[i] = type;
            }

            events.AddRange(append.Serialized);
        }

        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = streamIds });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = expected });
        parameters.Add(new NpgsqlParameter<string?[]?> { TypedValue = streamTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = counts });
        AddEventParameters(parameters, [.. events]);
        return command;
    }
}
