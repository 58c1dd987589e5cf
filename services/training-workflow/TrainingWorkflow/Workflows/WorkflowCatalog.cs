using Dapr.Workflow;

namespace Platform.TrainingWorkflow.Workflows;

/// <summary>
/// The workflows and activities this process registers with the Dapr Workflow SDK, by name, with each workflow's input
/// type. The SDK keeps its registry to itself; the management API needs it to refuse an unknown name or an input that
/// does not fit before anything reaches the sidecar (a sidecar stores whatever it is asked to start).
/// </summary>
public sealed class WorkflowCatalog
{
    private readonly Dictionary<string, Type> _workflowInputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _activities = new(StringComparer.Ordinal);
    private WorkflowRuntimeOptions? _runtime;

    /// <summary>Registered workflow names and the type each expects as input.</summary>
    public IReadOnlyDictionary<string, Type> Workflows => _workflowInputs;

    public IReadOnlySet<string> Activities => _activities;

    /// <summary>Registers <typeparamref name="TWorkflow"/> under <paramref name="name"/> (default: the class name, as Dapr does).</summary>
    public WorkflowCatalog RegisterWorkflow<TWorkflow>(string? name = null)
        where TWorkflow : class, IWorkflow
    {
        name ??= typeof(TWorkflow).Name;
        if (_workflowInputs.TryAdd(name, InputTypeOf(typeof(TWorkflow))))
        {
            Runtime.RegisterWorkflow<TWorkflow>(name);
        }

        return this;
    }

    /// <summary>Registers <typeparamref name="TActivity"/> under <paramref name="name"/> (default: the class name).</summary>
    public WorkflowCatalog RegisterActivity<TActivity>(string? name = null)
        where TActivity : class, Dapr.Workflow.Abstractions.IWorkflowActivity
    {
        name ??= typeof(TActivity).Name;
        if (_activities.Add(name))
        {
            Runtime.RegisterActivity<TActivity>(name);
        }

        return this;
    }

    private WorkflowRuntimeOptions Runtime =>
        _runtime ?? throw new InvalidOperationException("The catalog is not attached to the Dapr Workflow runtime; use AddPlatformWorkflows.");

    /// <summary>The SDK applies registrations when its factory is first resolved, so names added after AddDaprWorkflow still count.</summary>
    internal void AttachTo(WorkflowRuntimeOptions runtime) => _runtime = runtime;

    private static Type InputTypeOf(Type workflowType)
    {
        for (var type = workflowType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Workflow<,>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return typeof(object);
    }
}
