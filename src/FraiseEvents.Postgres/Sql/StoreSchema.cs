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

        // PostgreSQL reserves pg_* for itself (CREATE SCHEMA refuses it) and keeps its catalogs in
        // pg_catalog and information_schema: a store there would mix its tables with the system's
        // or fail half-way through the migrations. Refused in any case, as "PG_x" is a trap too.
        if (schema.StartsWith("pg_", StringComparison.OrdinalIgnoreCase)
            || schema.Equals("information_schema", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"PostgresEventStoreOptions.Schema '{schema}' is reserved for PostgreSQL's own catalogs (information_schema and every pg_ name): "
                + "choose another schema name, such as 'events', or keep the default 'public'.",
                nameof(schema));
        }

        return "\"" + schema + "\"";
    }
}
