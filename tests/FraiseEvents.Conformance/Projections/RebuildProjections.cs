using FraiseEvents.Projections;

namespace FraiseEvents.Conformance.Projections;

/// <summary>A user document that records which version of the projection's code built it.</summary>
public sealed record VersionedUser(string Name, string Email, int Changes, int Code);

/// <summary>
/// An async projection whose code can change (<see cref="Code"/>), as a deployed projection's does
/// before a rebuild; and that can hold the fold at a user named "gate" while <see cref="Gate"/> is set,
/// so that a test sees a rebuild in the middle.
/// </summary>
public sealed class VersionedUserProjection : DocumentProjection<VersionedUser>
{
    public const string ProjectionName = "user_versioned";

    public VersionedUserProjection()
        : base(ProjectionName, ProjectionLifecycle.Async)
    {
        Create<UserCreated>(e =>
        {
            if (e.Name == "gate" && Gate is { } gate)
            {
                Reached.Release();
                gate.Wait(TimeSpan.FromSeconds(120));
            }

            return new VersionedUser(e.Name, e.Email, 1, Code);
        });
        Apply<UserUpdated>((user, e) => user with { Name = e.Name ?? user.Name, Email = e.Email ?? user.Email, Changes = user.Changes + 1, Code = Code });
        Delete<UserDeleted>();
    }

    public int Code { get; set; } = 1;

    /// <summary>Set: the fold of the user named "gate" waits for it (and releases <see cref="Reached"/> first).</summary>
    public ManualResetEventSlim? Gate { get; set; }

    public SemaphoreSlim Reached { get; } = new(0);
}
