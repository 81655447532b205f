using BenchmarkDotNet.Attributes;
using FraiseEvents.Aggregates;

namespace FraiseEvents.Benchmarks.Micro;

/// <summary>
/// Applying events to an aggregate: <see cref="Aggregate{TSelf}"/>'s Apply methods (found once per
/// type, called through delegates) against a hand-written type switch, 100 events per operation.
/// </summary>
[MemoryDiagnoser]
public class ApplyDispatchBenchmarks
{
    private readonly object[] _events = [.. Enumerable.Range(0, 100).Select(i => (i % 3) switch
    {
        0 => (object)new Opened(i),
        1 => new Deposited(i),
        _ => new Withdrawn(i),
    })];

    [Benchmark(Baseline = true)]
    public long Hand_written_switch()
    {
        var balance = 0L;
        foreach (var e in _events)
        {
            balance = e switch
            {
                Opened o => o.Amount,
                Deposited d => balance + d.Amount,
                Withdrawn w => balance - w.Amount,
                _ => balance,
            };
        }

        return balance;
    }

    [Benchmark]
    public long Aggregate_apply_methods()
    {
        IAggregate account = new Account(new StreamId(Guid.CreateVersion7()));
        for (var i = 0; i < _events.Length; i++)
        {
            account.ApplyStored(_events[i], new StreamVersion(i + 1));
        }

        return ((Account)account).Balance;
    }

    public sealed record Opened(long Amount);

    public sealed record Deposited(long Amount);

    public sealed record Withdrawn(long Amount);

    // Public: Marten's source generator in this project also generates code for any class with Apply methods.
    public sealed class Account(StreamId id) : Aggregate<Account>(id)
    {
        public long Balance { get; private set; }

        private void Apply(Opened e) => Balance = e.Amount;

        private void Apply(Deposited e) => Balance += e.Amount;

        private void Apply(Withdrawn e) => Balance -= e.Amount;
    }
}
