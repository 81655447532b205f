using FraiseEvents.Postgres.Tests.Support;
using NUnit.Framework;

namespace FraiseEvents.Postgres.Tests;

/// <summary>Finds (or starts) the PostgreSQL server once for every fixture in the assembly.</summary>
[SetUpFixture]
public sealed class AssemblySetUp
{
    [OneTimeSetUp]
    public Task StartServerAsync() => PostgresServer.StartAsync();

    [OneTimeTearDown]
    public Task StopServerAsync() => PostgresServer.StopAsync();
}
