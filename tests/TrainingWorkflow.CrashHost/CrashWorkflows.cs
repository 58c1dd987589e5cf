using Dapr.Workflow;
using Npgsql;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.TrainingWorkflow.Pipelines.Shared;

namespace Platform.TrainingWorkflow.CrashHost;

public sealed record StepInput(string InstanceId, int Step, int Milliseconds);

/// <summary>Runs <see cref="RecordedStep"/> once per step, in order; each takes a second, so a kill lands inside one.</summary>
public sealed class ThreeStepWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int steps)
    {
        for (var step = 1; step <= steps; step++)
        {
            await context.CallActivityAsync<int>(nameof(RecordedStep), new StepInput(context.InstanceId, step, 1000));
        }

        return steps;
    }
}

/// <summary>Step 1, a durable timer of <c>seconds</c>, step 2: a kill lands while the timer is pending.</summary>
public sealed class TimerWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int seconds)
    {
        await context.CallActivityAsync<int>(nameof(RecordedStep), new StepInput(context.InstanceId, 1, 0));
        await context.CreateTimer(TimeSpan.FromSeconds(seconds));
        await context.CallActivityAsync<int>(nameof(RecordedStep), new StepInput(context.InstanceId, 2, 0));
        return seconds;
    }
}

/// <summary>
/// Ten short steps at once: two hosts on one database share them. Each step takes long enough (with at most four in flight
/// per worker) that one host alone needs seconds for all of them, so the other's worker is streaming before the work is gone
/// even when the machine is loaded.
/// </summary>
public sealed class FanOutWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int steps)
    {
        var results = await Task.WhenAll(Enumerable.Range(1, steps)
            .Select(step => context.CallActivityAsync<int>(nameof(RecordedStep), new StepInput(context.InstanceId, step, 400))));
        return results.Sum();
    }
}

/// <summary>Deploys a staged model as champion through the pipelines' own <see cref="DeployModelActivity"/>.</summary>
public sealed class DeployWorkflow : Workflow<DeployModelRequest, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, DeployModelRequest request) =>
        (await context.CallActivityAsync<DeployedModel>(nameof(DeployThenLinger), request)).Version;
}

/// <summary>
/// Writes a row per execution (with the process id) as soon as it starts, then takes its time, so a test can see which
/// process ran which step and kill the process between an activity's start and its completion.
/// </summary>
public sealed class RecordedStep(NpgsqlDataSource dataSource) : WorkflowActivity<StepInput, int>
{
    public override async Task<int> RunAsync(WorkflowActivityContext context, StepInput input)
    {
        await CrashLog.RecordAsync(dataSource, input.InstanceId, input.Step, null);
        await Task.Delay(input.Milliseconds);
        return input.Step;
    }
}

/// <summary>
/// The real deploy step, then, on its first run, a pause before its completion is reported: the window in which the test
/// kills the host. The pause lasts until the kill however slow the machine (a fixed two seconds once ended before a loaded
/// machine's kill landed); the rerun on the next host reports at once.
/// </summary>
public sealed class DeployThenLinger(NpgsqlDataSource dataSource, ModelRegistry registry, IArtifactStore artifacts, IEventPublisher publisher)
    : WorkflowActivity<DeployModelRequest, DeployedModel>
{
    public override async Task<DeployedModel> RunAsync(WorkflowActivityContext context, DeployModelRequest input)
    {
        var deployed = await new DeployModelActivity(registry, artifacts, publisher).RunAsync(context, input);
        var rerun = await CrashLog.RanBeforeAsync(dataSource, context.InstanceId, 1);
        await CrashLog.RecordAsync(dataSource, context.InstanceId, 1, deployed.Version);
        if (!rerun)
        {
            await Task.Delay(TimeSpan.FromMinutes(1));
        }

        return deployed;
    }
}

/// <summary>Records published events in a table, so the test can see what a killed and a restarted host announced.</summary>
public sealed class RecordingPublisher(NpgsqlDataSource dataSource) : IEventPublisher
{
    public async Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default)
    {
        eventId ??= Guid.NewGuid().ToString("N");
        await using var command = dataSource.CreateCommand("INSERT INTO crash_events (topic, event_id, pid) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = topic });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return eventId;
    }
}

public static class CrashLog
{
    public static async Task EnsureAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS crash_executions (
                instance_id text NOT NULL, step int NOT NULL, pid int NOT NULL, version int, at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE IF NOT EXISTS crash_events (topic text NOT NULL, event_id text NOT NULL, pid int NOT NULL);
            CREATE TABLE IF NOT EXISTS crash_hosts (pid int PRIMARY KEY);
            """);
        try
        {
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two hosts starting at once raced on CREATE TABLE IF NOT EXISTS (a known PostgreSQL race); the other one won.
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Announces this host (its worker connected), then waits until <paramref name="hosts"/> hosts have (a start barrier).
    /// </summary>
    public static async Task JoinAsync(NpgsqlDataSource dataSource, int hosts, TimeSpan patience)
    {
        await using (var join = dataSource.CreateCommand("INSERT INTO crash_hosts (pid) VALUES ($1) ON CONFLICT DO NOTHING"))
        {
            join.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
            await join.ExecuteNonQueryAsync();
        }

        var deadline = DateTime.UtcNow + patience;
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM crash_hosts");
        while ((long)(await count.ExecuteScalarAsync())! < hosts)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"fewer than {hosts} hosts joined within {patience}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Whether some process already recorded running <paramref name="step"/> of the instance.</summary>
    public static async Task<bool> RanBeforeAsync(NpgsqlDataSource dataSource, string instanceId, int step)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM crash_executions WHERE instance_id = $1 AND step = $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = instanceId });
        command.Parameters.Add(new NpgsqlParameter { Value = step });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public static async Task RecordAsync(NpgsqlDataSource dataSource, string instanceId, int step, int? version)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO crash_executions (instance_id, step, pid, version) VALUES ($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = instanceId });
        command.Parameters.Add(new NpgsqlParameter { Value = step });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)version ?? DBNull.Value });
        await command.ExecuteNonQueryAsync();
    }
}
