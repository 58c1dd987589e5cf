using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.TrainingWorkflow.Management;

namespace Platform.TrainingWorkflow.Workflows;

public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Dapr Workflow SDK (worker, <see cref="DaprWorkflowClient"/>) with <see cref="WorkflowJson"/> as serializer,
    /// the <see cref="WorkflowCatalog"/> and <see cref="WorkflowManagement"/>. May be called more than once; registrations
    /// accumulate. The worker talks to the sidecar that <c>DAPR_GRPC_ENDPOINT</c> names: daprd under Dapr, otherwise the
    /// embedded sidecar, which the host must add before this (<c>AddEmbeddedWorkflowSidecar</c>).
    /// </summary>
    public static IServiceCollection AddPlatformWorkflows(this IServiceCollection services, Action<WorkflowCatalog> register)
    {
        var catalog = services.FirstOrDefault(d => d.ServiceType == typeof(WorkflowCatalog))?.ImplementationInstance as WorkflowCatalog;
        if (catalog is null)
        {
            catalog = new WorkflowCatalog();
            services.AddSingleton(catalog);
            services.AddDaprWorkflowBuilder(
                    catalog.AttachTo,
                    // The client builder does not read the serializer from DI: give it the same one as the worker.
                    (_, client) => client.UseJsonSerializer(WorkflowJson.Options))
                .WithJsonSerializer(WorkflowJson.Options);
            // The SDK's source generator also registers every workflow and activity class by its class name, so the factory
            // warns "already registered" for each of ours at every start. Its other warning (not found) is logged again
            // as an error by the worker, so nothing is lost.
            services.AddLogging(logging => logging.AddFilter("Dapr.Workflow.Worker.WorkflowsFactory", LogLevel.Error));
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<WorkflowManagement>();
        }

        register(catalog);
        return services;
    }
}
