using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace FraiseEvents.Benchmarks;

/// <summary>
/// BenchmarkDotNet runs with MemoryDiagnoser: serialization in process, and S8 per operation
/// (one-event append, 100-event rehydration) against the server. In-process toolchain, so no
/// second build; a short job, since these numbers are allocations more than time.
/// </summary>
internal static class MicroBenchmarks
{
    public static void Run(string[] args)
    {
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(6))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(Micro.SerializationBenchmarks), typeof(Micro.UpcastingBenchmarks), typeof(Micro.ApplyDispatchBenchmarks), typeof(Micro.StoreAllocationBenchmarks)])
            .Run(args.Length == 0 ? ["--filter", "*"] : args, config);
    }
}
