using BenchmarkDotNet.Attributes;
using FraiseEvents.Benchmarks.Subjects;
using JasperFx.Events;

namespace FraiseEvents.Benchmarks.Micro;

/// <summary>S8 per operation: a one-event append and a 100-event rehydration, each library on its own fresh database.</summary>
[MemoryDiagnoser]
public class StoreAllocationBenchmarks
{
    private readonly List<IAsyncDisposable> _cleanup = [];
    private FraiseSubject _fraise = null!; // set in GlobalSetup
    private MartenSubject _marten = null!;
    private Guid _fraiseStream, _martenStream, _fraiseRead, _martenRead;
    private long _fraiseVersion, _martenVersion;

    [GlobalSetup]
    public async Task SetUpAsync()
    {
        var admin = Environment.GetEnvironmentVariable("FRAISEEVENTS_TEST_CONNECTION")
            ?? throw new InvalidOperationException("Set FRAISEEVENTS_TEST_CONNECTION (scripts/benchmark.sh does).");
        var fraiseDb = await BenchDatabase.CreateAsync(admin);
        var martenDb = await BenchDatabase.CreateAsync(admin);
        _fraise = new FraiseSubject(fraiseDb.ConnectionString);
        _marten = new MartenSubject(martenDb.ConnectionString, EventAppendMode.Quick);
        _cleanup.AddRange([_fraise, _marten, fraiseDb, martenDb]);
        await _fraise.SetUpAsync();
        await _marten.SetUpAsync();
        (_fraiseStream, _martenStream, _fraiseRead, _martenRead) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        _fraiseVersion = (await _fraise.AppendAsync(_fraiseStream, null, UserEvents.Stream(_fraiseStream, 1)))!.Value;
        _martenVersion = (await _marten.AppendAsync(_martenStream, null, UserEvents.Stream(_martenStream, 1)))!.Value;
        await _fraise.AppendAsync(_fraiseRead, null, UserEvents.Stream(_fraiseRead, 100));
        await _marten.AppendAsync(_martenRead, null, UserEvents.Stream(_martenRead, 100));
    }

    [GlobalCleanup]
    public async Task CleanUpAsync()
    {
        foreach (var item in _cleanup)
        {
            await item.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public async Task FraiseEvents_append_one_event() =>
        _fraiseVersion = (await _fraise.AppendOrConflictAsync(_fraiseStream, _fraiseVersion, [UserEvents.For(_fraiseStream, 1, 3)])).Version!.Value;

    [Benchmark]
    public async Task Marten_Quick_append_one_event() =>
        _martenVersion = (await _marten.AppendOrConflictAsync(_martenStream, _martenVersion, [UserEvents.For(_martenStream, 1, 3)])).Version!.Value;

    [Benchmark(OperationsPerInvoke = 100)]
    public Task<int> FraiseEvents_rehydrate_100_events() => _fraise.RehydrateAsync(_fraiseRead);

    [Benchmark(OperationsPerInvoke = 100)]
    public Task<int> Marten_rehydrate_100_events() => _marten.RehydrateAsync(_martenRead);
}
