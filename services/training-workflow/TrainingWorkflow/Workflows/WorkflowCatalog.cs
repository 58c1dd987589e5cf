using System.Reflection;
using System.Text.Json;
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
    private readonly HashSet<string> _inputRequired = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tenantOwned = new(StringComparer.Ordinal);
    private WorkflowRuntimeOptions? _runtime;

    /// <summary>Registered workflow names and the type each expects as input.</summary>
    public IReadOnlyDictionary<string, Type> Workflows => _workflowInputs;

    public IReadOnlySet<string> Activities => _activities;

    /// <summary>
    /// Whether workflow <paramref name="name"/> cannot run without an input: its input is a value type or a reference type its
    /// <c>RunAsync</c> declares non-nullable. Started with none, such a workflow would fail later on a null (or run on a default).
    /// </summary>
    public bool RequiresInput(string name) => _inputRequired.Contains(name);

    /// <summary>Whether the runs of workflow <paramref name="name"/> belong to a tenant: its input is an <see cref="ITenantWorkflowInput"/>.</summary>
    public bool IsTenantOwned(string name) => _tenantOwned.Contains(name);

    /// <summary>
    /// The tenant a run of <paramref name="name"/> with <paramref name="input"/> belongs to: the input read as the workflow
    /// reads it. Null for a workflow of no tenant (or not registered here) and for an input that does not fit.
    /// </summary>
    public string? OwnerOf(string? name, JsonElement? input)
    {
        if (name is null || !_tenantOwned.Contains(name) || input is not { ValueKind: JsonValueKind.Object } json)
        {
            return null;
        }

        try
        {
            return (json.Deserialize(_workflowInputs[name], WorkflowJson.Options) as ITenantWorkflowInput)?.TenantId;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Registers <typeparamref name="TWorkflow"/> under <paramref name="name"/> (default: the class name, as Dapr does).</summary>
    public WorkflowCatalog RegisterWorkflow<TWorkflow>(string? name = null)
        where TWorkflow : class, IWorkflow
    {
        name ??= typeof(TWorkflow).Name;
        var inputType = InputTypeOf(typeof(TWorkflow));
        if (_workflowInputs.TryAdd(name, inputType))
        {
            if (InputRequired(typeof(TWorkflow), inputType))
            {
                _inputRequired.Add(name);
            }

            if (inputType.IsAssignableTo(typeof(ITenantWorkflowInput)))
            {
                _tenantOwned.Add(name);
            }

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

    private static bool InputRequired(Type workflowType, Type inputType)
    {
        if (inputType == typeof(object))
        {
            return false;
        }

        if (inputType.IsValueType)
        {
            return Nullable.GetUnderlyingType(inputType) is null;
        }

        var run = workflowType.GetMethod(nameof(Workflow<object, object>.RunAsync), [typeof(WorkflowContext), inputType]);
        return run?.GetParameters()[1] is { } parameter && new NullabilityInfoContext().Create(parameter).ReadState == NullabilityState.NotNull;
    }

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
