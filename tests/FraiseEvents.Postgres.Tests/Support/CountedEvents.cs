using FraiseEvents.Conformance;
using FraiseEvents.Projections;

namespace FraiseEvents.Postgres.Tests.Support;

/// <summary>
/// An async SQL projection that writes one row per applied event into <c>counted_events</c>, in the
/// batch's transaction. Create the table without a primary key (<see cref="CreateTableSql"/>), so that
/// an event applied twice shows as a second row instead of failing its batch.
/// </summary>
internal sealed class CountedEvents : SqlProjection
{
    public const string ProjectionName = "counted";

    public CountedEvents()
        : base(ProjectionName, ProjectionLifecycle.Async)
    {
        Handles<UserCreated>();
        Handles<UserUpdated>();
        Handles<UserDeleted>();
        Handles<MeasurementTaken>();
    }

    public static string CreateTableSql(string schema) => $"CREATE TABLE \"{schema}\".counted_events (seq bigserial, event_id uuid NOT NULL)";

    public static string SelectInOrderSql(string schema) => $"SELECT event_id FROM \"{schema}\".counted_events ORDER BY seq";

    public override ValueTask ProjectAsync(IReadOnlyList<ProjectedEvent> events, IProjectionWriter writer, CancellationToken cancellationToken)
    {
        writer.Execute("INSERT INTO counted_events (event_id) SELECT unnest($1::uuid[])", (object)events.Select(e => e.EventId).ToArray());
        return ValueTask.CompletedTask;
    }
}
