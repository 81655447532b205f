namespace FraiseEvents.Diagnostics;

/// <summary>The values of <c>fraiseevents.append.outcome</c>.</summary>
internal static class AppendOutcomes
{
    public const string Appended = "appended";
    public const string AlreadyAppended = "already_appended";
    public const string Conflict = "conflict";
    public const string Failed = "failed";

    /// <summary>
    /// A conflict is a refusal the caller resolves by reloading or by choosing other ids: the
    /// database answered and nothing was written. Everything else is a failure.
    /// </summary>
    public static string Of(Exception exception) =>
        exception is ConcurrencyException or IdempotencyConflictException or StreamTypeMismatchException ? Conflict : Failed;
}
