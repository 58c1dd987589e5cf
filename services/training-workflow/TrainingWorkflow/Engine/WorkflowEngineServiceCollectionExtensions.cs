using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Platform.TrainingWorkflow.Engine;

public static class WorkflowEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the durable workflow engine: <see cref="WorkflowRuntime"/> (hosted), <see cref="WorkflowClient"/> and the
    /// registered workflows/activities. May be called more than once; registrations accumulate. Needs an
    /// <c>IStateStore</c> registered by the host.
    /// </summary>
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, Action<WorkflowEngineOptions> configure)
    {
        var options = services.FirstOrDefault(d => d.ServiceType == typeof(WorkflowEngineOptions))?.ImplementationInstance as WorkflowEngineOptions;
        if (options is null)
        {
            options = new WorkflowEngineOptions();
            services.AddSingleton(options);
        }

        configure(options);
        foreach (var type in options.Workflows.Values.Concat(options.Activities.Values))
        {
            services.TryAddTransient(type);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkflowInstanceStore>();
        services.TryAddSingleton<WorkflowRuntime>();
        services.TryAddSingleton<WorkflowClient>();
        // AddHostedService dedupes by implementation type, so repeated calls keep one runtime.
        services.AddHostedService(ResolveRuntime);

        return services;
    }

    private static WorkflowRuntime ResolveRuntime(IServiceProvider services) => services.GetRequiredService<WorkflowRuntime>();
}
