using FraiseEvents.Projections;

namespace FraiseEvents.Conformance.Projections;

/// <summary>
/// Keeps, per user, the names it was given in order (so that applying out of order shows), and throws
/// on a rename to "boom" while <see cref="Broken"/>: for the failure policies' tests.
/// </summary>
public sealed class AsyncParkingProjection : DocumentProjection<AsyncParkingProjection.Names>
{
    public const string ProjectionName = "parking_async";

    public AsyncParkingProjection()
        : base(ProjectionName, ProjectionLifecycle.Async)
    {
        Create<UserCreated>(e => new Names(e.Name));
        Apply<UserUpdated>((names, e) => Broken && e.Name == "boom"
            ? throw new InvalidOperationException("boom is not a name")
            : new Names(names.All + "," + e.Name));
    }

    public bool Broken { get; set; } = true;

    /// <summary>The names, comma-separated, in the order applied.</summary>
    public sealed record Names(string All);
}
