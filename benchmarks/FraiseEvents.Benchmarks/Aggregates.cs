using FraiseEvents.Aggregates;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace FraiseEvents.Benchmarks;

/// <summary>
/// The aggregate of S5-snapshot on FraiseEvents' side: the same fold as <see cref="UserState"/>,
/// loaded through <see cref="AggregateRepository{TAggregate}"/> with a snapshot policy.
/// </summary>
public sealed class BenchUser(StreamId id) : Aggregate<BenchUser>(id), ISnapshotable<BenchUserSnapshot>
{
    private readonly UserState _state = new();

    /// <summary>Events folded into this instance (those after the snapshot, when one was restored).</summary>
    public int Applied => _state.Events;

    public int SnapshotSchemaVersion => 1;

    /// <summary>Raises an already generated benchmark event (set-up only).</summary>
    public void Record(object e) => Raise(e);

    public BenchUserSnapshot CreateSnapshot() => new(_state.Name, _state.Email, _state.Revision, _state.Deleted);

    public void RestoreSnapshot(BenchUserSnapshot snapshot) => _state.Restore(snapshot);

    private void Apply(UserCreated e) => _state.Apply(e);

    private void Apply(UserUpdated e) => _state.Apply(e);

    private void Apply(UserDeleted e) => _state.Apply(e);
}

/// <summary>What FraiseEvents' snapshot of <see cref="BenchUser"/> stores.</summary>
public sealed record BenchUserSnapshot(string? Name, string? Email, int Revision, bool Deleted);

/// <summary>
/// Marten's side of S5-snapshot: the same state kept as an inline single-stream projection (what
/// <c>Snapshot&lt;T&gt;(SnapshotLifecycle.Inline)</c> registers), written in the explicit
/// <c>Evolve</c> form like <see cref="MartenUserViewProjection"/>, and read with <c>FetchLatest</c>.
/// </summary>
public sealed class MartenUserSnapshot
{
    public Guid Id { get; set; }

    public string? Name { get; set; }

    public string? Email { get; set; }

    public int Revision { get; set; }

    public bool Deleted { get; set; }

    /// <summary>Events folded, so a load can be checked against the stream's length.</summary>
    public int Events { get; set; }
}

/// <summary>Marten's inline snapshot projection of <see cref="MartenUserSnapshot"/>.</summary>
internal sealed class MartenUserSnapshotProjection : SingleStreamProjection<MartenUserSnapshot, Guid>
{
    public override MartenUserSnapshot? Evolve(MartenUserSnapshot? snapshot, Guid id, IEvent e)
    {
        snapshot ??= new MartenUserSnapshot { Id = id };
        switch (e.Data)
        {
            case UserCreated c:
                snapshot.Name = c.Name;
                snapshot.Email = c.Email;
                break;
            case UserUpdated u:
                snapshot.Name = u.Name;
                snapshot.Email = u.Email;
                snapshot.Revision = u.Revision;
                break;
            case UserDeleted:
                snapshot.Deleted = true;
                break;
        }

        snapshot.Events++;
        return snapshot;
    }
}
