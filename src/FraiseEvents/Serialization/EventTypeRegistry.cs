using System.Collections.Frozen;

namespace FraiseEvents.Serialization;

/// <summary>
/// Maps event CLR types to the names stored in <c>tb_events.event_type</c> and back. Register
/// every event type before the store is created; the registry is frozen when a store starts using it.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<Type, EventTypeInfo> _byType = [];
    private readonly Dictionary<string, EventTypeInfo> _byName = new(StringComparer.Ordinal);
    private readonly Lock _freezeLock = new();
    private FrozenDictionary<Type, EventTypeInfo>? _frozenByType;
    private FrozenDictionary<string, EventTypeInfo>? _frozenByName;

    /// <summary>Every registered type.</summary>
    public IReadOnlyCollection<EventTypeInfo> Registered => _byType.Values;

    /// <summary>True once a store uses the registry; it can no longer change.</summary>
    public bool IsFrozen => _frozenByType is not null;

    /// <summary>Registers <typeparamref name="T"/> under <paramref name="name"/> (default: <see cref="EventTypeNaming.DefaultNameFor"/>).</summary>
    /// <param name="name">The stored name: 1 to 100 characters, no leading or trailing spaces, no U+0000 and no lone surrogates.</param>
    /// <param name="schemaVersion">The schema version new events are written with; default 1.</param>
    /// <exception cref="ArgumentException">The type or the name is already registered, or the name is invalid.</exception>
    public EventTypeRegistry Register<T>(string? name = null, int schemaVersion = 1) where T : class
        => Register(typeof(T), name, schemaVersion);

    /// <summary>Registers <paramref name="type"/> under <paramref name="name"/> (default: <see cref="EventTypeNaming.DefaultNameFor"/>).</summary>
    /// <exception cref="ArgumentException">The type or the name is already registered, or the name is invalid.</exception>
    public EventTypeRegistry Register(Type type, string? name = null, int schemaVersion = 1)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        if (IsFrozen)
        {
            throw new InvalidOperationException(
                $"Cannot register {type.Name}: the event type registry is already in use by a store. Register every event type before creating the store.");
        }

        if (type.IsAbstract || type.IsInterface || type.IsGenericTypeDefinition || type.IsValueType)
        {
            throw new ArgumentException(
                $"Cannot register {type.FullName}: an event type must be a concrete, closed class or record.", nameof(type));
        }

        name ??= EventTypeNaming.DefaultNameFor(type);
        if (string.IsNullOrWhiteSpace(name) || name.Length > EventTypeNaming.MaxNameLength || name.Trim() != name)
        {
            throw new ArgumentException(
                $"Cannot register {type.FullName} as '{name}': an event type name must be 1 to {EventTypeNaming.MaxNameLength} characters with no leading or trailing spaces.",
                nameof(name));
        }

        if (StoredNames.FindUnstorableCharacter(name) is { } problem)
        {
            throw new ArgumentException(
                $"Cannot register {type.FullName} as '{StoredNames.Printable(name)}': {problem}. Give it another name.", nameof(name));
        }

        if (_byType.TryGetValue(type, out var existingType))
        {
            throw new ArgumentException(
                $"Event type {type.FullName} is already registered as '{existingType.Name}'. Register each type once.", nameof(type));
        }

        if (_byName.TryGetValue(name, out var existingName))
        {
            throw new ArgumentException(
                $"Cannot register {type.FullName} as '{name}': that name already belongs to {existingName.ClrType.FullName}. Give one of them another name.",
                nameof(name));
        }

        var info = new EventTypeInfo(type, name, schemaVersion);
        _byType.Add(type, info);
        _byName.Add(name, info);
        return this;
    }

    /// <summary>The registration of <paramref name="type"/>, if any.</summary>
    public bool TryGet(Type type, out EventTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(type);
        var found = _frozenByType is { } frozen ? frozen.TryGetValue(type, out var value) : _byType.TryGetValue(type, out value);
        info = value!; // null only when not found, and then the caller must not use it
        return found;
    }

    /// <summary>The registration stored under <paramref name="name"/>, if any.</summary>
    public bool TryGet(string name, out EventTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(name);
        var found = _frozenByName is { } frozen ? frozen.TryGetValue(name, out var value) : _byName.TryGetValue(name, out value);
        info = value!; // null only when not found, and then the caller must not use it
        return found;
    }

    /// <summary>Stops further changes and switches to lookup-optimised dictionaries. Idempotent.</summary>
    internal void Freeze()
    {
        lock (_freezeLock)
        {
            if (IsFrozen)
            {
                return;
            }

            _frozenByName = _byName.ToFrozenDictionary(StringComparer.Ordinal);
            _frozenByType = _byType.ToFrozenDictionary();
        }
    }
}
