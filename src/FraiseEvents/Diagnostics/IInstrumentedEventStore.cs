namespace FraiseEvents.Diagnostics;

/// <summary>
/// A store that reports its own telemetry; code built on it (<see cref="Aggregates.AggregateRepository{TAggregate}"/>)
/// reports with the same attributes and instruments instead of owning a meter per repository.
/// </summary>
internal interface IInstrumentedEventStore
{
    StoreTelemetry Telemetry { get; }
}
