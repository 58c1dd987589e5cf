using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Hosting;
using Platform.TrainingWorkflow.Engine;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;

namespace Platform.TrainingWorkflow;

/// <summary>The training-workflow service as a module: the engine, the training pipelines, schedules and the management API.</summary>
public static class TrainingWorkflowModule
{
    public static IHostApplicationBuilder AddTrainingWorkflow(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTrainingPipelines(builder.Configuration);
        return builder;
    }

    public static WebApplication MapTrainingWorkflowApi(this WebApplication app)
    {
        app.MapWorkflowManagementApi();
        if (PlatformBuildingBlocksExtensions.RuntimeOf(app.Configuration) == PlatformRuntime.Dapr)
        {
            // Under Dapr the weekly retraining comes from the bindings.cron component instead of the in-process scheduler.
            app.MapDaprInputBinding("retrain-schedule", StartScheduledRetrainingAsync);
        }

        return app;
    }

    /// <summary>One retraining per tenant and tick; the instance id names the minute, so a redelivered tick starts nothing new.</summary>
    private static async Task StartScheduledRetrainingAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<WorkflowClient>();
        var tick = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var tenants = services.GetRequiredService<IConfiguration>().GetSection(TrainingPipelineOptions.SectionName)
            .Get<TrainingPipelineOptions>()?.Tenants ?? new TrainingPipelineOptions().Tenants;
        foreach (var tenant in tenants)
        {
            var input = new PlatformRetrainingInput { TenantId = tenant, Reason = "cron binding" };
            await client.StartWorkflowAsync(
                PlatformRetrainingWorkflow.Name, $"retrain-{tenant}-{tick:yyyyMMddTHHmm}", input, cancellationToken).ConfigureAwait(false);
        }
    }
}
