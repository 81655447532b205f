namespace FraiseEvents.Postgres;

/// <summary>One file of <c>migrations/</c>.</summary>
/// <param name="Version">The number the file name starts with.</param>
/// <param name="Name">The file name without extension, for example <c>0001_event_log</c>.</param>
public sealed record Migration(int Version, string Name)
{
    internal string Sql { get; init; } = "";
}
