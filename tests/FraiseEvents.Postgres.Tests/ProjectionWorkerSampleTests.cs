using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>
/// The ProjectionWorker sample, run in-process: a worker that exits on its own after a few seconds
/// beside an appender. The worker exits with 1 unless its projection reached the end of the log and its
/// read model equals a fresh fold of the events, so a broken sample fails here. Both share the
/// process's exit code, so this runs alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ProjectionWorkerSampleTests : PostgresFixture
{
    [Test]
    public async Task The_projection_worker_sample_catches_up_with_an_appender_beside_it_and_its_read_model_equals_a_fresh_fold()
    {
        var main = typeof(ProjectionWorker.OrderTotals).Assembly.EntryPoint!; // an exe always has one
        // The entry point of async top-level statements is a synchronous int Main(string[]) that waits for them.
        Task<int> RunAsync(params string[] args) => Task.Run(() => (int)main.Invoke(null, [args])!);
        Environment.ExitCode = 0;
        try
        {
            var worker = RunAsync(Database.ConnectionString, "--seconds", "5");
            var appender = RunAsync(Database.ConnectionString, "--append", "--seconds", "2");

            Assert.That(await appender, Is.Zero, "the appender appended without an error");
            Assert.That(await worker, Is.Zero, "the worker caught up and its read model equals the fold");
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }
}
