using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Hosting;
using Platform.EmbeddedWorkflowSidecar;
using Platform.MarketData.Hosting;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;

namespace Platform.TrainingWorkflow;

/// <summary>The training-workflow service as a module: the training pipelines on Dapr Workflow, schedules and the management API.</summary>
public static class TrainingWorkflowModule
{
    /// <summary>
    /// Under Dapr the worker talks to daprd's workflow engine. Otherwise the platform hosts the embedded sidecar (PostgreSQL,
    /// loopback gRPC) and points the SDK at it; it has to be added before the SDK reads <c>DAPR_GRPC_ENDPOINT</c>.
    /// </summary>
    public static IHostApplicationBuilder AddTrainingWorkflow(this IHostApplicationBuilder builder)
    {
        // The pipelines read market data; its migrations must run before the workflow worker resumes any instance.
        builder.AddMarketData();
        if (PlatformBuildingBlocksExtensions.RuntimeOf(builder.Configuration) != PlatformRuntime.Dapr)
        {
            builder.AddEmbeddedWorkflowSidecar();
        }

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
    private static Task StartScheduledRetrainingAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<RetrainingTrigger>().StartScheduledAsync(
            services.GetRequiredService<TimeProvider>().GetUtcNow(), "cron binding", cancellationToken);
}
