namespace FraiseEvents.Projections;

/// <summary>
/// A read model of one C# document per key, folded from events by pure functions, and stored by the
/// store: in PostgreSQL in the table <c>proj_&lt;name&gt;</c> (<c>id</c>, <c>data jsonb</c>, <c>revision</c>,
/// the <c>version</c> and <c>global_position</c> of the last event applied, <c>deleted</c>,
/// <c>created_at</c>, <c>updated_at</c>) with the view <c>v_&lt;name&gt;</c> (<c>id</c>, <c>data</c> of the
/// documents not deleted). Load one with <see cref="IDocumentReader.LoadAsync{TDocument}(StreamId, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Declare the handlers in the constructor: <see cref="Create{TEvent}"/> starts a document,
/// <see cref="Apply{TEvent}"/> changes one, <see cref="Delete{TEvent}"/> removes it from the view.
/// They are delegates, called without reflection; an event type with no handler passes the
/// projection by, and a handled type that is not registered with the store fails at start-up.
/// </para>
/// <para>
/// A document's key is its stream's id unless <see cref="KeyBy{TEvent}(Func{TEvent, string})"/> (or the
/// <see cref="Guid"/> overload) takes it from the event, so that one document gathers many streams.
/// </para>
/// </remarks>
/// <typeparam name="TDocument">The document: serialized with the store's JSON settings.</typeparam>
public abstract class DocumentProjection<TDocument> : IProjection, IDocumentProjection where TDocument : class
{
    private readonly Dictionary<Type, DocumentStep> _steps = [];
    private readonly Dictionary<Type, Func<object, string>> _keys = [];
    private readonly HashSet<Type> _textKeys = [];
    private Func<string, TDocument>? _initial;

    /// <summary>Creates the projection.</summary>
    /// <param name="name">The projection's stable name (see <see cref="IProjection.Name"/>).</param>
    /// <param name="lifecycle">
    /// When it runs: <see cref="ProjectionLifecycle.Inline"/> (the default) in the append's transaction, or
    /// <see cref="ProjectionLifecycle.Async"/> from the global log, run by a <see cref="ProjectionDaemon"/>.
    /// </param>
    protected DocumentProjection(string name, ProjectionLifecycle lifecycle = ProjectionLifecycle.Inline)
    {
        Name = name;
        Lifecycle = lifecycle;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public ProjectionLifecycle Lifecycle { get; }

    /// <inheritdoc />
    public IReadOnlyCollection<Type> EventTypes => _steps.Keys;

    Type IDocumentProjection.DocumentType => typeof(TDocument);

    bool IDocumentProjection.KeysAreText => _textKeys.Count > 0;

    /// <summary>The event starts a document (replacing one that existed, or was deleted).</summary>
    protected void Create<TEvent>(Func<TEvent, TDocument> create) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(create);
        AddStep<TEvent>(new DocumentStep(DocumentAction.Create, (_, e) => create((TEvent)e)));
    }

    /// <summary>
    /// The event changes the document: return the new state (a <c>with</c> copy, or the same instance changed).
    /// When there is no document yet, the one from <see cref="StartWith"/> is used; without it the append fails.
    /// </summary>
    protected void Apply<TEvent>(Func<TDocument, TEvent, TDocument> apply) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(apply);
        AddStep<TEvent>(new DocumentStep(DocumentAction.Apply, (d, e) => apply((TDocument)d!, (TEvent)e))); // Apply steps get a document
    }

    /// <summary>The event deletes the document: it leaves the view and <see cref="IDocumentReader"/> returns null.</summary>
    protected void Delete<TEvent>() where TEvent : class => AddStep<TEvent>(new DocumentStep(DocumentAction.Delete, Fold: null));

    /// <summary>Takes the key of the document that <typeparamref name="TEvent"/> feeds from the event (table key type <c>text</c>).</summary>
    protected void KeyBy<TEvent>(Func<TEvent, string> key) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(key);
        AddKey<TEvent>(e => key((TEvent)e));
        _textKeys.Add(typeof(TEvent));
    }

    /// <summary>Takes the key of the document that <typeparamref name="TEvent"/> feeds from the event (table key type <c>uuid</c>).</summary>
    protected void KeyBy<TEvent>(Func<TEvent, Guid> key) where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(key);
        AddKey<TEvent>(e => key((TEvent)e).ToString());
    }

    /// <summary>The document an <see cref="Apply{TEvent}"/> handler starts from when the key has none yet.</summary>
    protected void StartWith(Func<string, TDocument> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _initial = initial;
    }

    bool IDocumentProjection.TryGetStep(Type eventType, out DocumentStep step, out Func<object, string>? key)
    {
        if (!_steps.TryGetValue(eventType, out step!))
        {
            var handled = _steps.Keys.FirstOrDefault(t => t.IsAssignableFrom(eventType));
            if (handled is null)
            {
                key = null;
                return false;
            }

            step = _steps[handled];
            eventType = handled;
        }

        _keys.TryGetValue(eventType, out key);
        return true;
    }

    object? IDocumentProjection.Initial(string key) => _initial?.Invoke(key);

    void IDocumentProjection.Validate()
    {
        foreach (var keyed in _keys.Keys)
        {
            if (!_steps.ContainsKey(keyed))
            {
                throw new ArgumentException($"Projection '{Name}' has KeyBy<{keyed.Name}> but no handler for {keyed.Name}: add Create, Apply or Delete for it.");
            }
        }

        if (_textKeys.Count > 0)
        {
            var unkeyed = _steps.Keys.Where(t => !_textKeys.Contains(t)).ToList();
            if (unkeyed.Count > 0)
            {
                throw new ArgumentException($"Projection '{Name}' keys documents by text (KeyBy with a string), so every handled event needs a "
                    + $"string KeyBy; these have none or a Guid one: {string.Join(", ", unkeyed.Select(t => t.Name))}.");
            }
        }
    }

    private void AddStep<TEvent>(DocumentStep step)
    {
        if (!_steps.TryAdd(typeof(TEvent), step))
        {
            throw new ArgumentException($"Projection '{Name}' already has a handler for {typeof(TEvent).Name}; each event type gets one.");
        }
    }

    private void AddKey<TEvent>(Func<object, string> key)
    {
        if (!_keys.TryAdd(typeof(TEvent), key))
        {
            throw new ArgumentException($"Projection '{Name}' already has a KeyBy for {typeof(TEvent).Name}.");
        }
    }
}
