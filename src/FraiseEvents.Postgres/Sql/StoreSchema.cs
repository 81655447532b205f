using System.Text.RegularExpressions;

namespace FraiseEvents.Postgres;

/// <summary>Validates and quotes the schema name once, so no other text is ever spliced into SQL.</summary>
internal static partial class StoreSchema
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();

    public static string Quote(string? schema)
    {
        if (schema is null || !Identifier().IsMatch(schema))
        {
            throw new ArgumentException(
                $"PostgresEventStoreOptions.Schema '{schema}' is not a valid schema name: use 1 to 63 letters, digits and underscores, starting with a letter or underscore.",
                nameof(schema));
        }

        return "\"" + schema + "\"";
    }
}
