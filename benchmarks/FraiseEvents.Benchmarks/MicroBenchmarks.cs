namespace FraiseEvents.Benchmarks;

internal static class MicroBenchmarks
{
    public static void Run(string[] args) => throw new NotImplementedException();
}
