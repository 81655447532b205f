namespace FraiseEvents.Postgres;

/// <summary>
/// One-line calls of the functions <c>fe_ensure_document_projection</c> generates for a projection's
/// table (<c>fe_read_proj_&lt;name&gt;</c>, <c>fe_write_proj_&lt;name&gt;</c>). The name was checked against
/// <c>^[a-z][a-z0-9_]{0,49}$</c> when the store was created, so quoting it is all it needs.
/// </summary>
internal sealed class DocumentStatements
{
    public DocumentStatements(string schema, string projection)
    {
        var s = StoreSchema.Quote(schema);
        var read = $"{s}.\"fe_read_proj_{projection}\"";
        Read = $"SELECT id, data, revision, deleted FROM {read}($1)";
        ReadOne = $"SELECT data FROM {read}(ARRAY[$1]) WHERE NOT deleted";
        Write = $"SELECT {s}.\"fe_write_proj_{projection}\"($1, $2, $3, $4, $5, $6)";
    }

    public string Read { get; }

    public string ReadOne { get; }

    public string Write { get; }
}
