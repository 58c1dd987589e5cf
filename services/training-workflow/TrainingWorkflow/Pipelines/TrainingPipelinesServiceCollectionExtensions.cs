using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Messaging;
using Platform.MarketData.Postgres;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Pipelines.Shared;
using Platform.TrainingWorkflow.Pipelines.Twin;
using Platform.TrainingWorkflow.Scheduling;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Pipelines;

public static class TrainingPipelinesServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <c>PriceModelTraining</c>, <c>PortfolioTwinTraining</c> and <c>PlatformRetraining</c> workflows and their
    /// activities with the Dapr Workflow SDK, the <see cref="Topics.TrainingRequested"/> handler, and a weekly retraining schedule
    /// per tenant of <c>Platform:Pipelines</c> (unless <c>Platform:Workflows:Schedules</c> already schedules PlatformRetraining, or
    /// the platform runs on Dapr, where the cron binding starts it).
    /// Every retraining trigger goes through <see cref="RetrainingTrigger"/>. Activities take their stores from the container:
    /// the market-data stores are added here unless the host already has them.
    /// Needs from the host: NpgsqlDataSource, IArtifactStore, IEventPublisher, ModelRegistry and a workflow sidecar (daprd, or
    /// the embedded one: <c>AddEmbeddedWorkflowSidecar</c>, added by <see cref="TrainingWorkflowModule.AddTrainingWorkflow"/>).
    /// </summary>
    public static IServiceCollection AddTrainingPipelines(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TrainingPipelineOptions>()
            .Bind(configuration.GetSection(TrainingPipelineOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainingPipelineOptions>, TrainingPipelineOptionsValidator>());

        services.TryAddSingleton<TenantConnectionFactory>();
        services.TryAddSingleton<TransactionStore>();
        services.TryAddSingleton<PropertyStore>();
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<InteractionStore>();
        services.AddMetrics();
        services.TryAddSingleton<PriceSnapshotCache>();

        services.AddPlatformWorkflows(catalog => catalog
            .RegisterWorkflow<PriceModelTrainingWorkflow>(PriceModelTrainingWorkflow.Name)
            .RegisterWorkflow<PortfolioTwinTrainingWorkflow>(PortfolioTwinTrainingWorkflow.Name)
            .RegisterWorkflow<PlatformRetrainingWorkflow>(PlatformRetrainingWorkflow.Name)
            .RegisterActivity<CheckPriceDataActivity>()
            .RegisterActivity<SnapshotPriceDatasetActivity>()
            .RegisterActivity<TrainPriceModelActivity>()
            .RegisterActivity<EvaluatePriceModelActivity>()
            .RegisterActivity<CheckTwinDataActivity>()
            .RegisterActivity<PrepareTwinDataActivity>()
            .RegisterActivity<TrainTwinModelActivity>()
            .RegisterActivity<LoadChampionMetricsActivity>()
            .RegisterActivity<DeployModelActivity>());
        services.TryAddSingleton<RetrainingTrigger>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWorkflowTrigger, RetrainingTrigger>(sp => sp.GetRequiredService<RetrainingTrigger>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEventHandler, TrainingRequestedHandler>());

        var pipelines = configuration.GetSection(TrainingPipelineOptions.SectionName).Get<TrainingPipelineOptions>() ?? new TrainingPipelineOptions();
        // Under Dapr the weekly tick comes from the bindings.cron component; a second, in-process default would train twice.
        var defaults = PlatformBuildingBlocksExtensions.RuntimeOf(configuration) != PlatformRuntime.Dapr;
        services.AddWorkflowSchedules(configuration, schedules =>
        {
            if (defaults)
            {
                AddDefaultSchedules(schedules, pipelines);
            }
        });
        return services;
    }

    /// <summary>One weekly <c>PlatformRetraining</c> schedule per tenant, unless the configuration schedules that workflow itself.</summary>
    public static void AddDefaultSchedules(WorkflowScheduleOptions schedules, TrainingPipelineOptions pipelines)
    {
        if (string.IsNullOrWhiteSpace(pipelines.RetrainingCron) || schedules.Schedules.Any(s => s.Workflow == PlatformRetrainingWorkflow.Name))
        {
            return;
        }

        foreach (var tenant in pipelines.RetrainedTenants)
        {
            schedules.Schedules.Add(new WorkflowSchedule
            {
                Name = $"retrain-{tenant}",
                Workflow = PlatformRetrainingWorkflow.Name,
                Cron = pipelines.RetrainingCron,
                Input = JsonSerializer.Serialize(new { tenantId = tenant, reason = "weekly schedule" }),
            });
        }
    }
}
