using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraiseEvents.Serialization;

namespace FraiseEvents.Upcasting;

/// <summary>
/// The upcasters of a store, checked and compiled into one chain per stored (type, version) when
/// the store is created. Running a chain reads the stored JSON once: typed steps deserialize straight
/// into their old shape, and JSON is only re-parsed where a JSON step follows a typed one.
/// </summary>
internal sealed class UpcasterPipeline
{
    private readonly FrozenDictionary<(string EventType, int Version), Chain> _chains;

    private UpcasterPipeline(FrozenDictionary<(string, int), Chain> chains) => _chains = chains;

    public static UpcasterPipeline Build(EventTypeRegistry registry, IReadOnlyList<EventUpcaster> upcasters)
    {
        var steps = upcasters.ToDictionary(u => (u.EventType, u.FromVersion));
        var errors = new List<string>();
        foreach (var step in upcasters)
        {
            Check(step, registry, steps, errors);
        }

        foreach (var info in registry.Registered.Where(i => i.SchemaVersion > 1))
        {
            if (!upcasters.Any(u => u.TargetEventType == info.Name && u.ToVersion == info.SchemaVersion))
            {
                errors.Add($"{info.Name} ({info.ClrType.Name}) is registered at schema version {info.SchemaVersion}, but no upcaster produces "
                    + $"{info.Name} v{info.SchemaVersion}, so events stored at older versions could not be read. Add an upcaster from v{info.SchemaVersion - 1}.");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid event upcaster registrations:" + string.Concat(errors.Select(e => Environment.NewLine + "- " + e)));
        }

        var chains = new Dictionary<(string, int), Chain>();
        foreach (var step in upcasters)
        {
            var path = new List<EventUpcaster> { step };
            var current = step;
            EventTypeInfo? target;
            while (!IsCurrent(registry, current.TargetEventType, current.ToVersion, out target))
            {
                current = steps[(current.TargetEventType, current.ToVersion)];
                path.Add(current);
            }

            chains.Add((step.EventType, step.FromVersion), new Chain([.. path], target!)); // IsCurrent set it when the loop ended
        }

        return new UpcasterPipeline(chains.ToFrozenDictionary());
    }

    public bool IsEmpty => _chains.Count == 0;

    public bool TryGetChain(string eventType, int version, out Chain chain) =>
        _chains.TryGetValue((eventType, version), out chain!); // null only when not found

    /// <summary>Runs a chain on stored JSON and returns an instance of the chain's registered target type.</summary>
    public static object Run(Chain chain, ReadOnlySpan<byte> json, JsonSerializerOptions options)
    {
        object? value = null;
        JsonNode? node = null;
        foreach (var step in chain.Steps)
        {
            if (step is JsonEventUpcaster jsonStep)
            {
                var input = (node ?? (value is not null ? JsonSerializer.SerializeToNode(value, value.GetType(), options) : JsonNode.Parse(json)))
                    as JsonObject ?? throw new JsonException($"{step.Describe()} needs a JSON object, and the event is not one.");
                node = jsonStep.Upcast(input) ?? throw new InvalidOperationException($"{step.Describe()} returned null.");
                value = null;
            }
            else
            {
                var fromType = step.FromType!; // typed upcasters always have one
                var input = value is not null && fromType.IsInstanceOfType(value)
                    ? value
                    : (node is not null ? node.Deserialize(fromType, options) : JsonSerializer.Deserialize(json, fromType, options))
                      ?? throw new JsonException($"The stored JSON is null; {step.Describe()} needs a {fromType.Name}.");
                value = step.UpcastObject(input);
                node = null;
            }
        }

        var targetType = chain.Target.ClrType;
        if (value is not null && targetType.IsInstanceOfType(value))
        {
            return value;
        }

        var result = node is not null
            ? node.Deserialize(targetType, options)
            : JsonSerializer.SerializeToNode(value, value!.GetType(), options).Deserialize(targetType, options); // value is set when node is not
        return result ?? throw new JsonException($"The upcast event is JSON null; {targetType.Name} needs an object.");
    }

    private static void Check(EventUpcaster step, EventTypeRegistry registry, Dictionary<(string, int), EventUpcaster> steps, List<string> errors)
    {
        if (registry.TryGet(step.EventType, out var readInfo) && readInfo.SchemaVersion <= step.FromVersion)
        {
            errors.Add($"{step.Describe()} reads v{step.FromVersion}, but {step.EventType} is registered at schema version {readInfo.SchemaVersion}: "
                + "an upcaster must read a version older than the registered one. Raise the registered schema version.");
            return;
        }

        var isCurrent = IsCurrent(registry, step.TargetEventType, step.ToVersion, out var target);
        if (!isCurrent && !steps.ContainsKey((step.TargetEventType, step.ToVersion)))
        {
            if (!registry.TryGet(step.TargetEventType, out var targetInfo))
            {
                errors.Add($"{step.Describe()} produces {step.TargetEventType}, which is not a registered event type, and no upcaster reads "
                    + $"{step.TargetEventType} v{step.ToVersion}. Register the type it produces.");
            }
            else if (step.ToVersion > targetInfo.SchemaVersion)
            {
                errors.Add($"{step.Describe()} produces v{step.ToVersion}, but {step.TargetEventType} is registered at schema version {targetInfo.SchemaVersion}.");
            }
            else
            {
                errors.Add($"Gap in the upcasters of {step.TargetEventType}: {step.Describe()} produces v{step.ToVersion}, but no upcaster reads "
                    + $"v{step.ToVersion} and the registered type is at v{targetInfo.SchemaVersion}. Add an upcaster from v{step.ToVersion}.");
            }

            return;
        }

        if (isCurrent && step.ToType is { } toType && !target!.ClrType.IsAssignableFrom(toType))
        {
            errors.Add($"{step.Describe()} produces a {toType.Name}, but {target.Name} v{target.SchemaVersion} is registered as {target.ClrType.Name}.");
        }

        if (!isCurrent && step.ToType is { } producedType
            && steps[(step.TargetEventType, step.ToVersion)] is { FromType: { } nextFrom } next && !nextFrom.IsAssignableFrom(producedType))
        {
            // A typed step feeding another typed step must hand it the type it reads; through JSON is allowed but likely a mistake.
            errors.Add($"{step.Describe()} produces a {producedType.Name}, but the next step {next.Describe()} reads a {nextFrom.Name}.");
        }
    }

    private static bool IsCurrent(EventTypeRegistry registry, string eventType, int version, out EventTypeInfo? info)
    {
        var found = registry.TryGet(eventType, out var registered) && registered.SchemaVersion == version;
        info = found ? registered : null;
        return found;
    }

    /// <summary>The steps from one stored (type, version) to a registered type's current version.</summary>
    internal sealed record Chain(EventUpcaster[] Steps, EventTypeInfo Target);
}
