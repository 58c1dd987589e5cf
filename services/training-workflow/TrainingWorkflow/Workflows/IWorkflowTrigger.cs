namespace Platform.TrainingWorkflow.Workflows;

/// <summary>Where a generic start of a workflow came from.</summary>
public enum WorkflowTriggerSource
{
    /// <summary>An occurrence of a schedule of <c>Platform:Workflows:Schedules</c>.</summary>
    Schedule,

    /// <summary><c>POST /workflows/{name}/start</c> of the management API.</summary>
    Api,
}

/// <summary>
/// A workflow that owns how it is started: its instance-id scheme and how its input is completed. The in-process scheduler
/// and the management API's start route hand every start of <see cref="Workflow"/> to it instead of starting the workflow
/// themselves, so each trigger of that workflow goes one way.
/// </summary>
public interface IWorkflowTrigger
{
    /// <summary>The registered workflow name this trigger starts.</summary>
    string Workflow { get; }

    /// <param name="source">Which generic path asks.</param>
    /// <param name="at">The schedule's occurrence, or when the API request arrived.</param>
    /// <param name="input">The workflow input as given (a <see cref="System.Text.Json.JsonElement"/> or null).</param>
    /// <param name="instanceId">The API caller's own instance id; null lets the trigger name the instance.</param>
    /// <exception cref="ArgumentException">The input does not fit (<c>input</c>), as <c>WorkflowManagement.StartAsync</c> reports it.</exception>
    Task<(string InstanceId, bool Created)> StartAsync(
        WorkflowTriggerSource source, DateTimeOffset at, object? input, string? instanceId, CancellationToken cancellationToken);
}
