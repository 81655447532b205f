using System.Collections.Frozen;
using System.Reflection;

namespace FraiseEvents.Aggregates;

/// <summary>
/// The <c>Apply(TEvent)</c> methods of one aggregate type, found once (on first use of the type)
/// and turned into delegates, so applying an event is a dictionary lookup and a delegate call.
/// </summary>
internal static class AggregateAppliers<TSelf> where TSelf : Aggregate<TSelf>
{
    private const string MethodName = "Apply";

    private static readonly FrozenDictionary<Type, Action<TSelf, object>> ByEventType = Discover();

    public static bool TryGet(Type eventType, out Action<TSelf, object> apply)
    {
        if (ByEventType.TryGetValue(eventType, out apply!))
        {
            return true;
        }

        // An event deriving from a handled type: rare, so found by a scan rather than cached.
        foreach (var (handled, handler) in ByEventType)
        {
            if (handled.IsAssignableFrom(eventType))
            {
                apply = handler;
                return true;
            }
        }

        return false;
    }

    private static FrozenDictionary<Type, Action<TSelf, object>> Discover()
    {
        var appliers = new Dictionary<Type, Action<TSelf, object>>();
        var wrap = typeof(AggregateAppliers<TSelf>).GetMethod(nameof(Wrap), BindingFlags.NonPublic | BindingFlags.Static)!; // declared below
        for (var type = typeof(TSelf); type is not null && type != typeof(Aggregate<TSelf>); type = type.BaseType)
        {
            foreach (var method in type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (method.Name != MethodName || method.ReturnType != typeof(void) || method.IsGenericMethodDefinition)
                {
                    continue;
                }

                var parameters = method.GetParameters();
                if (parameters.Length != 1 || parameters[0].ParameterType.IsValueType || parameters[0].ParameterType.IsByRef)
                {
                    continue;
                }

                // The most derived declaration wins; a base declaration of the same event is shadowed.
                var eventType = parameters[0].ParameterType;
                if (!appliers.ContainsKey(eventType))
                {
                    appliers[eventType] = (Action<TSelf, object>)wrap.MakeGenericMethod(eventType).Invoke(null, [method])!; // Wrap never returns null
                }
            }
        }

        return appliers.ToFrozenDictionary();
    }

    private static Action<TSelf, object> Wrap<TEvent>(MethodInfo method)
    {
        var typed = method.CreateDelegate<Action<TSelf, TEvent>>();
        return (aggregate, @event) => typed(aggregate, (TEvent)@event);
    }
}
