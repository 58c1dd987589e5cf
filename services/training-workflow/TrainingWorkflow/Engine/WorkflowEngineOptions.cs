namespace Platform.TrainingWorkflow.Engine;

/// <summary>Engine settings and the registry of workflow and activity types (resolved from DI, so they can take services).</summary>
public sealed class WorkflowEngineOptions
{
    private readonly Dictionary<string, Type> _workflows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> _activities = new(StringComparer.Ordinal);

    /// <summary>This host's lease owner id; defaults to machine name plus a random suffix per process.</summary>
    public string? HostId { get; set; }

    /// <summary>How long an instance stays claimed by a host that stopped renewing (crashed) before another host takes over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the store is scanned for instances to resume (after a crash, or changed by another host).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest activity/workflow input, output or custom status kept in history; bigger data goes by artifact id.</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    public IReadOnlyDictionary<string, Type> Workflows => _workflows;

    public IReadOnlyDictionary<string, Type> Activities => _activities;

    /// <summary>Registers a workflow under <paramref name="name"/> (default: the class name, as Dapr does).</summary>
    public WorkflowEngineOptions RegisterWorkflow<TWorkflow>(string? name = null)
        where TWorkflow : class, IWorkflow
    {
        _workflows[name ?? typeof(TWorkflow).Name] = typeof(TWorkflow);
        return this;
    }

    /// <summary>Registers an activity under <paramref name="name"/> (default: the class name).</summary>
    public WorkflowEngineOptions RegisterActivity<TActivity>(string? name = null)
        where TActivity : class, IWorkflowActivity
    {
        _activities[name ?? typeof(TActivity).Name] = typeof(TActivity);
        return this;
    }
}
