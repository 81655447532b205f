using System.Text;

namespace FraiseEvents.Serialization;

/// <summary>
/// The default stored name of an event type, in the documented style: <c>UserCreated</c> becomes
/// <c>USER_CREATED</c>, <c>HTTPRequestSent</c> becomes <c>HTTP_REQUEST_SENT</c>.
/// </summary>
internal static class EventTypeNaming
{
    /// <summary>The longest name <c>tb_events.event_type</c> (varchar(100)) holds.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The default stored name for <paramref name="type"/>.</summary>
    public static string DefaultNameFor(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        return ToUpperSnakeCase(name);
    }

    internal static string ToUpperSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                var previous = name[i - 1];
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                // A new word starts at an upper-case letter after a lower-case letter or digit,
                // or at the last capital of an acronym that is followed by a lower-case letter.
                if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextIsLower))
                {
                    builder.Append('_');
                }
            }

            builder.Append(c == '_' ? '_' : char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }
}
