using Npgsql;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.CrashHost;

/// <summary>Runs <see cref="RecordedStep"/> once per step, in order.</summary>
public sealed class ThreeStepWorkflow : Workflow<int, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, int steps)
    {
        for (var step = 1; step <= steps; step++)
        {
            await context.CallActivityAsync<int>(nameof(RecordedStep), new StepInput(context.InstanceId, step));
        }

        return steps;
    }
}

public sealed record StepInput(string InstanceId, int Step);

/// <summary>
/// Writes a row per execution (with the process id) as soon as it starts, then takes a second, so a test can see which
/// process ran which step and kill the process while a step is between its start and its completion.
/// </summary>
public sealed class RecordedStep(NpgsqlDataSource dataSource) : WorkflowActivity<StepInput, int>
{
    public override async Task<int> RunAsync(WorkflowActivityContext context, StepInput input)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO crash_executions (instance_id, step, pid) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = input.InstanceId });
        command.Parameters.Add(new NpgsqlParameter { Value = input.Step });
        command.Parameters.Add(new NpgsqlParameter { Value = Environment.ProcessId });
        await command.ExecuteNonQueryAsync(context.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), context.CancellationToken);
        return input.Step;
    }
}

public static class ExecutionLog
{
    public static async Task EnsureAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "CREATE TABLE IF NOT EXISTS crash_executions (instance_id text NOT NULL, step int NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await command.ExecuteNonQueryAsync();
    }
}
