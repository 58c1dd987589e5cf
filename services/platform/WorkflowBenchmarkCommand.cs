using System.CommandLine;
using Npgsql;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.Host;

/// <summary><c>platform bench workflow</c>: engine overhead per activity against the PostgreSQL state store.</summary>
public static class WorkflowBenchmarkCommand
{
    public static Command Create()
    {
        var instances = new Option<int>("--instances") { Description = "Workflow instances per phase.", DefaultValueFactory = _ => 20 };
        var activities = new Option<int>("--activities") { Description = "No-op activities per instance.", DefaultValueFactory = _ => 20 };
        var command = new Command("workflow", "Engine overhead per activity (target < 5 ms) on the PostgreSQL state store.") { instances, activities };
        command.SetAction(async (result, cancellationToken) =>
        {
            await using var dataSource = NpgsqlDataSource.Create(LocalDatabase.ConnectionString);
            var store = new PostgresStateStore(dataSource, "bench_state_store");
            var measured = await WorkflowEngineBenchmark.RunAsync(store, result.GetValue(instances), result.GetValue(activities), cancellationToken);
            Console.WriteLine(measured);
            return 0;
        });
        return command;
    }
}
