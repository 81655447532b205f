namespace FraiseEvents.Serialization;

/// <summary>
/// Checks names the store keeps in text columns (event type names, stream types). A string that
/// .NET holds but a UTF-8 database cannot would pass registration and then fail every append with
/// a raw database or encoder error, so it is refused where it is configured.
/// </summary>
internal static class StoredNames
{
    /// <summary>Why <paramref name="name"/> cannot be stored, or null when it can.</summary>
    public static string? FindUnstorableCharacter(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\0')
            {
                return $"it contains the character U+0000 (at index {i}), which PostgreSQL text cannot hold";
            }

            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"it contains a lone surrogate U+{(int)c:X4} (at index {i}), which is not valid Unicode and has no UTF-8 form";
            }
        }

        return null;
    }

    /// <summary>Throws when a stream type cannot be stored; <paramref name="setting"/> names where it was given.</summary>
    public static void ValidateStreamType(string streamType, string setting, string paramName)
    {
        if (string.IsNullOrWhiteSpace(streamType) || streamType.Length > EventTypeNaming.MaxNameLength)
        {
            throw new ArgumentException(
                $"{setting} must be 1 to {EventTypeNaming.MaxNameLength} characters (was '{streamType}').", paramName);
        }

        if (streamType.Trim() != streamType)
        {
            // As for event type names: ' User' is not the type 'User', and the database refuses it too (0006).
            throw new ArgumentException(
                $"{setting} '{streamType}' starts or ends with white space; use '{streamType.Trim()}'.", paramName);
        }

        if (FindUnstorableCharacter(streamType) is { } problem)
        {
            throw new ArgumentException(
                $"{setting} '{Printable(streamType)}' cannot be stored: {problem}. Use another stream type.", paramName);
        }
    }

    /// <summary>The name with the characters it is refused for escaped, so the message itself prints cleanly.</summary>
    public static string Printable(string name) => string.Concat(name.Select(c =>
        c == '\0' || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));
}
