using System.Text.Json;
using System.Text.RegularExpressions;
using FraiseEvents.Serialization;

namespace FraiseEvents.Projections;

/// <summary>
/// The projections of one store, checked once when the store is created, and the fold both stores
/// and both lifecycles share: which documents an append (or a batch of the log) needs read first,
/// and what it writes. The inline ones ride with appends; the async ones are run by the
/// <see cref="ProjectionDaemon"/> through the same fold.
/// </summary>
internal sealed partial class InlineProjections
{
    private readonly IDocumentProjection[] _documents;
    private readonly SqlProjection[] _sql;
    private readonly IDocumentProjection[] _allDocuments;
    private readonly SqlProjection[] _allSql;
    private readonly IProjection[] _async;
    private readonly Dictionary<Type, IDocumentProjection> _byDocumentType;
    private readonly JsonSerializerOptions _json;

    private InlineProjections(IDocumentProjection[] documents, SqlProjection[] sql, JsonSerializerOptions json)
    {
        _allDocuments = documents;
        _allSql = sql;
        _documents = Array.FindAll(documents, p => p.Lifecycle == ProjectionLifecycle.Inline);
        _sql = Array.FindAll(sql, p => p.Lifecycle == ProjectionLifecycle.Inline);
        _async = [.. documents.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Cast<IProjection>()
            .Concat(sql.Where(p => p.Lifecycle == ProjectionLifecycle.Async))];
        _json = json;
        _byDocumentType = documents.ToDictionary(d => d.DocumentType);
    }

    /// <summary>True when no inline projection rides with appends (async ones do not).</summary>
    public bool IsEmpty => _documents.Length == 0 && _sql.Length == 0;

    /// <summary>Every document projection, inline or async: each has its table.</summary>
    public IReadOnlyList<IDocumentProjection> Documents => _allDocuments;

    /// <summary>Every SQL projection, inline or async.</summary>
    public IReadOnlyList<SqlProjection> Sql => _allSql;

    /// <summary>The async projections, in registration order: what a <see cref="ProjectionDaemon"/> runs.</summary>
    public IReadOnlyList<IProjection> Async => _async;

    /// <summary>Checks every projection against the registered event types; the message names the projection.</summary>
    /// <exception cref="EventStoreConfigurationException">A projection is not valid.</exception>
    public static InlineProjections Create(ProjectionRegistry registry, EventTypeRegistry events, JsonSerializerOptions json)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var documents = new List<IDocumentProjection>();
        var sql = new List<SqlProjection>();
        foreach (var projection in registry.All)
        {
            var name = projection.Name;
            if (name is null || !ValidName().IsMatch(name))
            {
                throw Invalid(name, "its name must be 1 to 50 characters of a-z, 0-9 and _, starting with a letter "
                    + "(it names the table proj_<name> and the view v_<name>).");
            }

            if (!names.Add(name))
            {
                throw Invalid(name, "another projection has the same name; each needs its own.");
            }

            if (!Enum.IsDefined(projection.Lifecycle))
            {
                throw Invalid(name, $"its lifecycle is {projection.Lifecycle}, which is not a ProjectionLifecycle: use Inline or Async.");
            }

            if (projection.EventTypes is not { Count: > 0 } handled)
            {
                throw Invalid(name, "it handles no event type. Declare its handlers in its constructor.");
            }

            foreach (var type in handled)
            {
                if (!events.TryGet(type, out _) && !events.Registered.Any(r => type.IsAssignableFrom(r.ClrType)))
                {
                    throw Invalid(name, $"it handles {type.FullName}, which is not a registered event type (nor a base of one). "
                        + $"Register it: options.Events.Register<{type.Name}>().");
                }
            }

            switch (projection)
            {
                case IDocumentProjection document:
                    try
                    {
                        document.Validate();
                    }
                    catch (ArgumentException ex)
                    {
                        throw new EventStoreConfigurationException(ex.Message, ex);
                    }

                    if (documents.FirstOrDefault(d => d.DocumentType == document.DocumentType) is { } other)
                    {
                        throw Invalid(name, $"projection '{other.Name}' already has {document.DocumentType.Name} as its document type; "
                            + "documents are loaded by type, so each projection needs a type of its own.");
                    }

                    documents.Add(document);
                    break;
                case SqlProjection statements:
                    sql.Add(statements);
                    break;
                default:
                    throw Invalid(name, $"{projection.GetType().Name} implements IProjection directly; derive it from "
                        + "DocumentProjection<TDocument> or SqlProjection.");
            }
        }

        return new InlineProjections([.. documents], [.. sql], json);
    }

    /// <summary>The document projection whose document type this is.</summary>
    public IDocumentProjection ForDocument(Type documentType) =>
        _byDocumentType.TryGetValue(documentType, out var projection)
            ? projection
            : throw new ArgumentException($"No document projection of this store has {documentType.Name} as its document type. "
                + "Register one with options.Projections.Add(...).", nameof(documentType));

    /// <summary>The document key a stream id or Guid key is stored under.</summary>
    public static string KeyOf(StreamId id) => id.Value.ToString();

    /// <summary>A key given to a load, as the projection stores it: a uuid-keyed projection takes only uuids.</summary>
    /// <exception cref="ArgumentException">The projection keys by uuid and the key is not one.</exception>
    public static string NormalizeKey(IDocumentProjection projection, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (projection.KeysAreText)
        {
            return key;
        }

        return Guid.TryParse(key, out var id)
            ? id.ToString()
            : throw new ArgumentException($"Projection '{projection.Name}' keys its documents by uuid (the stream id, or a Guid KeyBy); "
                + $"'{key}' is not a uuid. Load with the stream id: LoadAsync<{projection.DocumentType.Name}>(streamId).", nameof(key));
    }

    public object? Deserialize(IDocumentProjection projection, byte[] data) => JsonSerializer.Deserialize(data, projection.DocumentType, _json);

    /// <summary>
    /// The documents to read before <see cref="ProjectDocuments"/>: those whose first handled event in the
    /// append changes them. Documents it starts or deletes first are written without reading, and a
    /// stream's own document cannot exist before its stream (<see cref="ExpectedVersion.NoStream"/>),
    /// unless <paramref name="readAll"/> (a retry after a concurrent change) asks for every one.
    /// </summary>
    public List<(IDocumentProjection Projection, List<string> Keys)> KeysToRead(IReadOnlyList<ProjectionAppend> appends, bool readAll)
    {
        var result = new List<(IDocumentProjection, List<string>)>();
        var events = FoldEvent.Of(appends);
        foreach (var projection in _documents)
        {
            if (KeysToRead(projection, events, readAll) is { } keys)
            {
                result.Add((projection, keys));
            }
        }

        return result;
    }

    /// <summary>
    /// The keys of <paramref name="projection"/>'s documents that <paramref name="events"/> touch and
    /// that must be read before folding (every one with <paramref name="readAll"/>); null when none.
    /// </summary>
    public static List<string>? KeysToRead(IDocumentProjection projection, IReadOnlyList<FoldEvent> events, bool readAll)
    {
        List<string>? keys = null;
        HashSet<string>? seen = null;
        foreach (var e in events)
        {
            if (!projection.TryGetStep(e.Data.GetType(), out var step, out var keyOf))
            {
                continue;
            }

            var key = KeyFor(projection, e, keyOf);
            if (!(seen ??= new HashSet<string>(StringComparer.Ordinal)).Add(key))
            {
                continue;
            }

            var absentForSure = keyOf is null && e.StreamIsNew;
            if (readAll || (step.Action == DocumentAction.Apply && !absentForSure))
            {
                (keys ??= []).Add(key);
            }
        }

        return keys;
    }

    /// <summary>
    /// Folds the append into the documents it touches. <paramref name="read"/> holds what
    /// <see cref="KeysToRead(IReadOnlyList{ProjectionAppend}, bool)"/> asked for (null for a key with no row).
    /// </summary>
    /// <exception cref="ProjectionFailedException">A projection threw, or changed a document that does not exist.</exception>
    public IReadOnlyList<(IDocumentProjection Projection, IReadOnlyList<DocumentWrite> Writes)> ProjectDocuments(
        IReadOnlyList<ProjectionAppend> appends, IReadOnlyDictionary<(string Projection, string Key), StoredDocument?> read)
    {
        List<(IDocumentProjection, IReadOnlyList<DocumentWrite>)>? documents = null;
        var events = FoldEvent.Of(appends);
        foreach (var projection in _documents)
        {
            if (Fold(projection, events, read) is { Count: > 0 } writes)
            {
                (documents ??= []).Add((projection, writes));
            }
        }

        return documents ?? (IReadOnlyList<(IDocumentProjection, IReadOnlyList<DocumentWrite>)>)[];
    }

    /// <summary>
    /// Runs the SQL projections that handle events of the append, once per stream of it, and collects
    /// their statements in order.
    /// </summary>
    /// <exception cref="ProjectionFailedException">A projection threw.</exception>
    public async ValueTask<IReadOnlyList<ProjectionStatement>> CollectStatementsAsync(IReadOnlyList<ProjectionAppend> appends,
        CancellationToken cancellationToken)
    {
        List<ProjectionStatement>? statements = null;
        foreach (var append in appends)
        {
            var events = FoldEvent.Of([append]);
            foreach (var projection in _sql)
            {
                await CollectStatementsAsync(projection, events, statements ??= [], cancellationToken).ConfigureAwait(false);
            }
        }

        return statements ?? (IReadOnlyList<ProjectionStatement>)[];
    }

    /// <summary>
    /// Runs one SQL projection over <paramref name="events"/> (in order), calling it once per run of
    /// consecutive handled events of one stream, and adds its statements to <paramref name="statements"/>.
    /// </summary>
    /// <exception cref="ProjectionFailedException">The projection threw; names the first event of the call.</exception>
    public static async ValueTask CollectStatementsAsync(SqlProjection projection, IReadOnlyList<FoldEvent> events,
        List<ProjectionStatement> statements, CancellationToken cancellationToken)
    {
        var i = 0;
        while (i < events.Count)
        {
            var handled = new List<ProjectedEvent>();
            FoldEvent? first = null;
            var stream = events[i].StreamId;
            for (; i < events.Count && events[i].StreamId == stream; i++)
            {
                var e = events[i];
                var type = e.Data.GetType();
                if (projection.EventTypes.Contains(type) || projection.EventTypes.Any(t => t.IsAssignableFrom(type)))
                {
                    first ??= e;
                    handled.Add(new ProjectedEvent(e.StreamId, e.EventId, e.EventType, e.Data, e.Metadata, e.StreamType));
                }
            }

            if (first is not { } firstEvent)
            {
                continue;
            }

            var writer = new StatementCollector(projection.Name, handled[0], firstEvent, statements);
            try
            {
                await projection.ProjectAsync(handled, writer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new ProjectionFailedException(projection.Name, firstEvent.StreamId, firstEvent.Version, firstEvent.EventType, ex);
            }
        }
    }

    /// <summary>
    /// Folds <paramref name="events"/> (in order) into the documents of <paramref name="projection"/> they
    /// touch, starting from <paramref name="read"/> (keyed by projection name and key; null for a key
    /// with no row). Null when no event is handled.
    /// </summary>
    /// <exception cref="ProjectionFailedException">The projection threw, or changed a document that does not exist.</exception>
    public List<DocumentWrite>? Fold(IDocumentProjection projection, IReadOnlyList<FoldEvent> events,
        IReadOnlyDictionary<(string, string), StoredDocument?> read)
    {
        Dictionary<string, FoldState>? states = null;
        List<string>? order = null;
        foreach (var e in events)
        {
            var data = e.Data;
            if (!projection.TryGetStep(data.GetType(), out var step, out var keyOf))
            {
                continue;
            }

            try
            {
                var key = KeyFor(projection, e, keyOf);
                states ??= new Dictionary<string, FoldState>(StringComparer.Ordinal);
                if (!states.TryGetValue(key, out var state))
                {
                    state = Start(projection, e, keyOf, key, read);
                    states.Add(key, state);
                    (order ??= []).Add(key);
                }

                switch (step.Action)
                {
                    case DocumentAction.Create:
                        state.Document = step.Fold!(null, data) ?? throw new InvalidOperationException("Its Create handler returned null.");
                        break;
                    case DocumentAction.Delete:
                        state.Document = null;
                        break;
                    default:
                        var current = state.Document ?? projection.Initial(key) ?? throw new InvalidOperationException(
                            $"There is no document '{key}' to apply it to (none was created, or it was deleted). Give the projection a "
                            + "Create handler for the event that starts the document, or StartWith(...) for a document that starts empty. "
                            + "A projection added to a store that already has events needs its documents built first.");
                        state.Document = step.Fold!(current, data) ?? throw new InvalidOperationException("Its Apply handler returned null.");
                        break;
                }

                state.Last = e;
            }
            catch (ProjectionFailedException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new ProjectionFailedException(projection.Name, e.StreamId, e.Version, e.EventType, ex);
            }
        }

        if (states is null)
        {
            return null;
        }

        var writes = new List<DocumentWrite>(order!.Count); // order is set with the first state
        foreach (var key in order)
        {
            var state = states[key];
            var json = state.Document is null ? null : JsonSerializer.SerializeToUtf8Bytes(state.Document, projection.DocumentType, _json);
            writes.Add(new DocumentWrite(key, state.ExpectedRevision, json, json is null, state.Last.StreamId, state.Last.EventId)
            {
                LastVersion = state.Last.Version,
                LastPosition = state.Last.GlobalPosition,
            });
        }

        return writes;
    }

    private FoldState Start(IDocumentProjection projection, FoldEvent e, Func<object, string>? keyOf, string key,
        IReadOnlyDictionary<(string, string), StoredDocument?> read)
    {
        if (read.TryGetValue((projection.Name, key), out var stored))
        {
            return stored is null
                ? new FoldState { ExpectedRevision = 0 }
                : new FoldState { ExpectedRevision = stored.Revision, Document = stored is { Deleted: false, Data: { } data } ? Deserialize(projection, data) : null };
        }

        // Not read: the first event starts or deletes the document, whatever was there (null), or
        // the stream is new, so its own document cannot exist yet (0).
        return new FoldState { ExpectedRevision = keyOf is null && e.StreamIsNew ? 0 : null };
    }

    private static string KeyFor(IDocumentProjection projection, FoldEvent e, Func<object, string>? keyOf)
    {
        if (keyOf is null)
        {
            return KeyOf(e.StreamId);
        }

        var key = keyOf(e.Data);
        if (string.IsNullOrEmpty(key) || key.Length > 1000 || key.Contains('\0', StringComparison.Ordinal))
        {
            throw new ProjectionFailedException(projection.Name, e.StreamId, e.Version, e.EventType,
                new ArgumentException($"Its KeyBy gave the key '{key}': a document key must be 1 to 1000 characters, without U+0000."));
        }

        return key;
    }

    private static EventStoreConfigurationException Invalid(string? name, string reason) =>
        new($"Projection '{name}' cannot be used: {reason}");

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    private sealed class FoldState
    {
        public object? Document { get; set; }

        public long? ExpectedRevision { get; init; }

        public FoldEvent Last { get; set; }
    }

    private sealed class StatementCollector(string projectionName, ProjectedEvent firstEvent, FoldEvent first,
        List<ProjectionStatement> statements) : IProjectionWriter
    {
        public void Execute(string sql, params object?[] parameters)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(sql);
            statements.Add(new ProjectionStatement(projectionName, firstEvent, sql, parameters ?? []) { FirstVersion = first.Version, FirstPosition = first.LogPosition });
        }
    }
}
