using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.EmbeddedWorkflowSidecar;
using Platform.MarketData.Postgres;
using Platform.WorkflowSidecar.Bench;

// Workflows through the real Dapr.Workflow SDK (worker + DaprWorkflowClient) on the embedded sidecar, PostgreSQL state.
// Usage: WorkflowSidecar.Bench [--connection <npgsql connection string>] [--activities 20] [--instances 20] [--history 500]
// Without --connection (or PLATFORM_POSTGRES) a throwaway durable cluster (fsync on) is started in a temp folder.
var options = BenchOptions.Parse(args);
LocalPostgresCluster? cluster = null;
var connectionString = options.Connection ?? Environment.GetEnvironmentVariable("PLATFORM_POSTGRES");
if (connectionString is null)
{
    var root = Path.Combine(Path.GetTempPath(), "workflow-sidecar-bench-" + Guid.NewGuid().ToString("N")[..8]);
    cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresClusterOptions { RootDirectory = root });
    await cluster.EnsureDatabaseAsync("workflow_bench");
    connectionString = cluster.ConnectionString("workflow_bench");
    CpuClock.Postmaster = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
}

try
{
    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await using (var reset = dataSource.CreateCommand("DROP SCHEMA IF EXISTS workflow_sidecar CASCADE"))
    {
        await reset.ExecuteNonQueryAsync();
    }

    await using var sidecar = await WorkflowSidecarServer.StartAsync(dataSource);
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders();
    builder.Configuration[EmbeddedWorkflowSidecarExtensions.DaprGrpcEndpointKey] = sidecar.Endpoint;
    builder.Services.AddDaprWorkflow(o =>
    {
        o.RegisterWorkflow<SequenceWorkflow>();
        o.RegisterActivity<NoOpActivity>();
        o.RegisterActivity<StampActivity>();
    });
    using var host = builder.Build();
    await host.StartAsync();
    var client = host.Services.GetRequiredService<DaprWorkflowClient>();

    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}; PostgreSQL {(cluster is null ? "given" : "throwaway, durable")}");

    // Warm-up: JIT, connection pool, prepared plans.
    await RunAsync(client, new SequenceInput(options.Activities, nameof(NoOpActivity)));
    await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RunAsync(client, new SequenceInput(options.Activities, nameof(NoOpActivity)))));

    // 1. Sequential: one instance at a time.
    var perActivity = new List<double>();
    var cpu = CpuClock.Start();
    using var atWorker = new WorkerTime();
    for (var run = 0; run < 5; run++)
    {
        var elapsed = await RunAsync(client, new SequenceInput(options.Activities, nameof(NoOpActivity)));
        perActivity.Add(elapsed.TotalMilliseconds / options.Activities);
    }

    perActivity.Sort();
    Console.WriteLine($"sequential: {options.Activities} activities per instance, ms per activity over 5 runs: median {perActivity[2]:F2}, min {perActivity[0]:F2}, max {perActivity[^1]:F2}; "
        + cpu.PerItem(5 * options.Activities));
    Console.WriteLine($"  of which at the worker (SDK replay/activity + gRPC both ways), ms per activity: {atWorker.PerItem(5 * options.Activities)}");
    atWorker.Dispose();

    // 2. Concurrent: N instances at once.
    var throughput = new List<double>();
    cpu = CpuClock.Start();
    for (var run = 0; run < 3; run++)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, options.Instances).Select(_ => RunAsync(client, new SequenceInput(options.Activities, nameof(NoOpActivity)))));
        throughput.Add(options.Instances * options.Activities / watch.Elapsed.TotalSeconds);
    }

    throughput.Sort();
    Console.WriteLine($"concurrent: {options.Instances} instances x {options.Activities} activities, activities/s over 3 runs: median {throughput[1]:F0}, min {throughput[0]:F0}, max {throughput[^1]:F0}; "
        + cpu.PerItem(3 * options.Instances * options.Activities));

    // 3. Growing history: each step adds three events (TaskScheduled, WorkflowStarted, TaskCompleted); the gap between
    // consecutive activity starts is the cost of one step at that history length.
    var steps = (options.History - 2) / 3;
    StampActivity.Stamps.Clear();
    await RunAsync(client, new SequenceInput(steps, nameof(StampActivity)));
    var stamps = StampActivity.Stamps.OrderBy(s => s.Step).Select(s => s.Ticks).ToArray();
    Console.WriteLine($"growing history: {steps} steps, up to {2 + 3 * steps} events");
    Console.WriteLine("| history events | ms per step (mean) |");
    Console.WriteLine("|---:|---:|");
    const int bucket = 50;
    for (var from = 0; from < 2 + (3 * steps); from += bucket)
    {
        var gaps = new List<double>();
        for (var i = 1; i < stamps.Length; i++)
        {
            var length = 2 + (3 * i);
            if (length >= from && length < from + bucket)
            {
                gaps.Add(Stopwatch.GetElapsedTime(stamps[i - 1], stamps[i]).TotalMilliseconds);
            }
        }

        if (gaps.Count > 0)
        {
            Console.WriteLine($"| {from}–{from + bucket} | {gaps.Average():F2} |");
        }
    }

    await host.StopAsync();
}
finally
{
    if (cluster is not null)
    {
        await cluster.StopAsync(immediate: true);
        Directory.Delete(cluster.Options.RootDirectory, recursive: true);
    }
}

return 0;

static async Task<TimeSpan> RunAsync(DaprWorkflowClient client, SequenceInput input)
{
    var watch = Stopwatch.StartNew();
    var id = await client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), Guid.NewGuid().ToString("N"), input);
    var state = await client.WaitForWorkflowCompletionAsync(id, getInputsAndOutputs: false);
    if (state.RuntimeStatus != WorkflowRuntimeStatus.Completed)
    {
        throw new InvalidOperationException($"Benchmark workflow {id} ended {state.RuntimeStatus}.");
    }

    return watch.Elapsed;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

namespace Platform.WorkflowSidecar.Bench
{
    internal sealed record BenchOptions(string? Connection, int Activities, int Instances, int History)
    {
        public static BenchOptions Parse(string[] args)
        {
            string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
            int Number(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
            return new BenchOptions(Value("--connection"), Number("--activities", 20), Number("--instances", 20), Number("--history", 500));
        }
    }

    internal sealed record SequenceInput(int Steps, string Activity);

    /// <summary>
    /// Sums the sidecar's <c>workflow_sidecar.worker.duration</c> (work item sent to a worker until its completion
    /// arrived) per kind: the wall time of a step spent in the SDK worker, apart from the sidecar and PostgreSQL.
    /// </summary>
    internal sealed class WorkerTime : IDisposable
    {
        private readonly MeterListener _listener = new();
        private double _workflow;
        private double _activity;

        public WorkerTime()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Platform.EmbeddedWorkflowSidecar" && instrument.Name == "workflow_sidecar.worker.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "kind")
                    {
                        lock (_listener)
                        {
                            if (Equals(tag.Value, "workflow"))
                            {
                                _workflow += value;
                            }
                            else
                            {
                                _activity += value;
                            }
                        }
                    }
                }
            });
            _listener.Start();
        }

        public string PerItem(int items)
        {
            lock (_listener)
            {
                return $"{(_workflow + _activity) / items:F2} (workflow turns {_workflow / items:F2}, activities {_activity / items:F2})";
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>CPU time of this process and of every PostgreSQL process (Linux /proc), the steadier figure on a shared machine.</summary>
    internal sealed class CpuClock
    {
        private readonly TimeSpan _process;
        private readonly double _postgresSeconds;

        private CpuClock(TimeSpan process, double postgresSeconds)
        {
            _process = process;
            _postgresSeconds = postgresSeconds;
        }

        /// <summary>The postmaster of the cluster this run started (its backends are its children); 0: not ours, not measured.</summary>
        public static int Postmaster { get; set; }

        public static CpuClock Start() => new(Process.GetCurrentProcess().TotalProcessorTime, PostgresSeconds());

        public string PerItem(int items)
        {
            var process = (Process.GetCurrentProcess().TotalProcessorTime - _process).TotalMilliseconds / items;
            var postgres = (PostgresSeconds() - _postgresSeconds) * 1000 / items;
            return Postmaster == 0
                ? $"CPU per activity: {process:F2} ms .NET (SDK worker, client and sidecar)"
                : $"CPU per activity: {process:F2} ms .NET (SDK worker, client and sidecar) + {postgres:F2} ms PostgreSQL";
        }

        private static double PostgresSeconds()
        {
            var ticks = 0L;
            foreach (var dir in Postmaster != 0 && Directory.Exists("/proc") ? Directory.GetDirectories("/proc") : [])
            {
                try
                {
                    if (!int.TryParse(Path.GetFileName(dir), out var pid))
                    {
                        continue;
                    }

                    // Fields after "(comm)": state, ppid, ..., utime (12th), stime (13th), in clock ticks (100 Hz).
                    var fields = File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (pid != Postmaster && fields[1] != Postmaster.ToString(CultureInfo.InvariantCulture))
                    {
                        continue;
                    }

                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                    // A process that ended meanwhile.
                }
            }

            return ticks / 100.0;
        }
    }

    /// <summary>Calls the named activity <c>Steps</c> times in a row.</summary>
    internal sealed class SequenceWorkflow : Workflow<SequenceInput, int>
    {
        public override async Task<int> RunAsync(WorkflowContext context, SequenceInput input)
        {
            for (var i = 0; i < input.Steps; i++)
            {
                await context.CallActivityAsync<int>(input.Activity, i);
            }

            return input.Steps;
        }
    }

    internal sealed class NoOpActivity : WorkflowActivity<int, int>
    {
        public override Task<int> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult(input);
    }

    /// <summary>Records when each step's activity ran.</summary>
    internal sealed class StampActivity : WorkflowActivity<int, int>
    {
        public static readonly System.Collections.Concurrent.ConcurrentBag<(int Step, long Ticks)> Stamps = [];

        public override Task<int> RunAsync(WorkflowActivityContext context, int input)
        {
            Stamps.Add((input, Stopwatch.GetTimestamp()));
            return Task.FromResult(input);
        }
    }
}
