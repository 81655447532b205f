using System.Text;

namespace FraiseEvents.Postgres;

/// <summary>
/// Writes migrations as one script for psql or any SQL client, doing what
/// <see cref="PostgresMigrations.ApplyAsync"/> does: one transaction, the same advisory lock (so a
/// deployment step and starting stores never apply a file twice), the schema created when missing
/// and placed first on the search path, then the files unchanged.
/// </summary>
internal static class MigrationScriptWriter
{
    public static string Write(string schema, IReadOnlyList<Migration> migrations)
    {
        if (migrations.Count == 0)
        {
            return "";
        }

        // Quote validates the name: only letters, digits and underscores reach the literals below.
        var quotedSchema = StoreSchema.Quote(schema);
        var script = new StringBuilder();
        script.Append("-- FraiseEvents.Postgres migrations for schema ").Append(quotedSchema).Append(": ")
            .AppendJoin(", ", migrations.Select(m => m.Name)).Append('\n')
            .Append("-- Apply with: psql -v ON_ERROR_STOP=1 -f <this file> <connection>. All of it commits, or none of it.\n")
            .Append("BEGIN;\n")
            .Append("SELECT pg_advisory_xact_lock(hashtextextended('").Append(PostgresMigrations.LockKey(schema)).Append("', 0));\n")
            // CREATE SCHEMA IF NOT EXISTS checks the database privilege even when the schema exists.
            .Append("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '").Append(schema)
            .Append("') THEN CREATE SCHEMA ").Append(quotedSchema).Append("; END IF; END $$;\n")
            .Append("SET LOCAL search_path TO ").Append(quotedSchema).Append(";\n");
        foreach (var migration in migrations)
        {
            script.Append("\n-- ").Append(migration.Name).Append(".sql\n").Append(migration.Sql);
            if (!migration.Sql.EndsWith('\n'))
            {
                script.Append('\n');
            }
        }

        return script.Append("\nCOMMIT;\n").ToString();
    }
}
