// A projection worker: a generic-host console app whose container registers the event store
// (AddEventStore(...).UsePostgres(...)) with an async document projection, so that the host runs the
// projection daemon as a hosted service. Every second it prints each projection's state, position
// and lag (the events of the log it has not applied yet). Start several workers: they share the
// async projections evenly (ProjectionDaemonOptions.SpreadProjections), and when one stops the others
// take its projections over.
//
//   dotnet run --project samples/FraiseEvents.Samples.ProjectionWorker -- "<connection string>"            # a worker
//   dotnet run --project samples/FraiseEvents.Samples.ProjectionWorker -- "<connection string>" --append   # appends orders
//
// The connection string may come from FRAISEEVENTS_CONNECTION instead. --seconds N makes either mode
// exit on its own after N seconds; a worker then checks, before it exits, that its projections caught
// up with the log and that each read model equals a fresh fold of the events (exit code 1 if not).
// It works in the schema projection_worker_sample, which it keeps between runs.
using FraiseEvents;
using FraiseEvents.Postgres;
using FraiseEvents.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ProjectionWorker;

const string Schema = "projection_worker_sample";
var append = false;
TimeSpan? runFor = null;
string? connectionString = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--append":
            append = true;
            break;
        case "--seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], out var seconds) && seconds > 0:
            runFor = TimeSpan.FromSeconds(seconds);
            i++;
            break;
        case "--seconds":
            throw new ArgumentException("--seconds takes a positive whole number of seconds, e.g. --seconds 10.");
        default:
            connectionString = args[i];
            break;
    }
}

connectionString ??= Environment.GetEnvironmentVariable("FRAISEEVENTS_CONNECTION")
    ?? throw new InvalidOperationException("Pass a connection string, or set FRAISEEVENTS_CONNECTION.");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var eventStore = builder.Services.AddEventStore(o =>
    {
        o.Events.Register<OrderPlaced>();
        o.Events.Register<ItemAdded>();
    })
    .UsePostgres(connectionString, o => o.Schema = Schema);
if (append)
{
    // Appends do not need the async projection: only the workers register it, so only they run it.
    builder.Services.AddHostedService(services => new Appender(services.GetRequiredService<IEventStore>(),
        services.GetRequiredService<IHostApplicationLifetime>(), runFor));
}
else
{
    eventStore.AddProjection<OrderTotals>()
        .ConfigureProjectionDaemon(o => o.LeaseRetryInterval = TimeSpan.FromSeconds(1));
    builder.Services.AddHostedService(services => new StatusPrinter(services.GetRequiredService<IEventStore>(),
        services.GetRequiredService<ProjectionDaemon>(), services.GetRequiredService<IHostApplicationLifetime>(), runFor));
}

using var host = builder.Build();
await ((PostgresEventStore)host.Services.GetRequiredService<IEventStore>()).InitializeAsync();
await host.StartAsync();
await host.WaitForShutdownAsync(); // stops the daemon gracefully; unlike RunAsync it keeps the container for the check
if (!append)
{
    // After the host stopped the daemon: each batch committed its documents with its checkpoint, so the
    // read model is exactly the fold of the log up to the stored checkpoint, whoever ran it.
    return await Checks.ReadModelEqualsFoldAsync(host.Services.GetRequiredService<IEventStore>(), runFor is not null) ? Environment.ExitCode : 1;
}

return Environment.ExitCode;

namespace ProjectionWorker
{
    /// <summary>An order was placed.</summary>
    public sealed record OrderPlaced(Guid OrderId, string Customer);

    /// <summary>An item was added to an order.</summary>
    public sealed record ItemAdded(Guid OrderId, string Sku, int Quantity, long PriceCents);

    /// <summary>The read model: per order, its customer, how many items and the total.</summary>
    public sealed record OrderTotal(string Customer, int Items, long TotalCents);

    /// <summary>An async document projection: the daemon keeps it, in the background, after the appends commit.</summary>
    public sealed class OrderTotals : DocumentProjection<OrderTotal>
    {
        public const string ProjectionName = "order_totals";

        public OrderTotals()
            : base(ProjectionName, ProjectionLifecycle.Async)
        {
            Create<OrderPlaced>(e => new OrderTotal(e.Customer, 0, 0));
            Apply<ItemAdded>((order, e) => order with { Items = order.Items + e.Quantity, TotalCents = order.TotalCents + e.Quantity * e.PriceCents });
        }

        /// <summary>The same fold, by hand, for the check.</summary>
        public static OrderTotal? Fold(IEnumerable<object> events)
        {
            OrderTotal? order = null;
            foreach (var e in events)
            {
                order = e switch
                {
                    OrderPlaced placed => new OrderTotal(placed.Customer, 0, 0),
                    ItemAdded item when order is not null => order with { Items = order.Items + item.Quantity, TotalCents = order.TotalCents + item.Quantity * item.PriceCents },
                    _ => order,
                };
            }

            return order;
        }
    }

    /// <summary>Appends an order with a few items about ten times a second.</summary>
    public sealed class Appender(IEventStore store, IHostApplicationLifetime lifetime, TimeSpan? runFor) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var started = DateTime.UtcNow;
            var random = new Random();
            var orders = 0;
            try
            {
                while (!stoppingToken.IsCancellationRequested && (runFor is null || DateTime.UtcNow - started < runFor))
                {
                    var id = StreamId.New();
                    var events = new List<NewEvent> { new(new OrderPlaced(id.Value, $"customer {random.Next(100)}")) };
                    events.AddRange(Enumerable.Range(0, random.Next(1, 4))
                        .Select(_ => new NewEvent(new ItemAdded(id.Value, $"sku-{random.Next(50)}", random.Next(1, 5), random.Next(100, 5000)))));
                    var appended = await store.AppendAsync(id, ExpectedVersion.NoStream, (IReadOnlyList<NewEvent>)events, cancellationToken: stoppingToken);
                    if (++orders % 10 == 0)
                    {
                        Console.WriteLine($"appended {orders} orders; the last at log position {appended.LogPosition}");
                    }

                    await Task.Delay(100, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Console.WriteLine($"appending failed: {ex}");
                Environment.ExitCode = 1;
            }

            Console.WriteLine($"appended {orders} orders");
            lifetime.StopApplication();
        }
    }

    /// <summary>Prints, every second, where each async projection is as this worker sees it.</summary>
    public sealed class StatusPrinter(IEventStore store, ProjectionDaemon daemon, IHostApplicationLifetime lifetime, TimeSpan? runFor) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var started = DateTime.UtcNow;
            try
            {
                while (runFor is null || DateTime.UtcNow - started < runFor)
                {
                    await Task.Delay(1000, stoppingToken);
                    foreach (var status in daemon.Statuses)
                    {
                        // A projection another worker runs is as far as its stored checkpoint.
                        var elsewhere = status.State is ProjectionState.Standby or ProjectionState.Stopped;
                        var position = elsewhere
                            ? await ((ICheckpointStore)store).ReadCheckpointAsync("projection:" + status.Name, stoppingToken) ?? LogPosition.Start
                            : status.Position;
                        Console.WriteLine($"{DateTime.Now:HH:mm:ss} pid {Environment.ProcessId} {status.Name}: {status.State,-10}"
                            + $"{(elsewhere ? " (another worker runs it)" : "")} position {position}, lag {await LagAsync(position, stoppingToken)}");
                    }
                }

                // Before exiting on its own, the worker makes sure its projections keep up: whichever worker
                // runs each one, it reaches the end of the log as it is now.
                var end = await Checks.LogEndAsync(store, stoppingToken);
                foreach (var status in daemon.Statuses)
                {
                    await daemon.WaitForProjectionAsync(status.Name, end, TimeSpan.FromSeconds(60), stoppingToken);
                    Console.WriteLine($"{status.Name} reached the end of the log, {end}");
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (ProjectionWaitTimeoutException ex)
            {
                Console.WriteLine(ex.Message);
                Environment.ExitCode = 1;
            }

            lifetime.StopApplication();
        }

        /// <summary>The events of the log after <paramref name="position"/> (counted up to 10,000).</summary>
        private async Task<string> LagAsync(LogPosition position, CancellationToken cancellationToken)
        {
            var behind = 0;
            await foreach (var _ in store.ReadAllAsync(position, 10_000, cancellationToken))
            {
                behind++;
            }

            return behind == 10_000 ? "10000+ events" : $"{behind} events";
        }
    }

    /// <summary>What a worker checks before it exits.</summary>
    public static class Checks
    {
        public static async Task<LogPosition> LogEndAsync(IEventStore store, CancellationToken cancellationToken)
        {
            var end = LogPosition.Start;
            while (true)
            {
                var before = end;
                await foreach (var e in store.ReadAllAsync(end, 1000, cancellationToken))
                {
                    end = e.LogPosition;
                }

                if (end == before)
                {
                    return end;
                }
            }
        }

        /// <summary>Each order's document equals the fold of its events up to the projection's stored checkpoint.</summary>
        public static async Task<bool> ReadModelEqualsFoldAsync(IEventStore store, bool print)
        {
            var checkpoint = await ((ICheckpointStore)store).ReadCheckpointAsync("projection:" + OrderTotals.ProjectionName) ?? LogPosition.Start;
            var events = new Dictionary<StreamId, List<object>>();
            var at = LogPosition.Start;
            var done = false;
            while (!done)
            {
                var before = at;
                await foreach (var e in store.ReadAllAsync(at, 1000))
                {
                    if (e.LogPosition > checkpoint)
                    {
                        done = true;
                        break;
                    }

                    (events.TryGetValue(e.StreamId, out var list) ? list : events[e.StreamId] = []).Add(e.Data);
                    at = e.LogPosition;
                }

                done |= at == before;
            }

            var reader = (IDocumentReader)store;
            var wrong = 0;
            foreach (var (id, stream) in events)
            {
                if (await reader.LoadAsync<OrderTotal>(id) != OrderTotals.Fold(stream))
                {
                    wrong++;
                }
            }

            if (print || wrong > 0)
            {
                Console.WriteLine(wrong == 0
                    ? $"read model check: {events.Count} orders, each equal to the fold of its events up to {checkpoint}"
                    : $"read model check FAILED: {wrong} of {events.Count} orders differ from the fold of their events");
            }

            return wrong == 0;
        }
    }
}
