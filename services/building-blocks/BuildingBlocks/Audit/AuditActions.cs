using System.Text.RegularExpressions;

namespace Platform.BuildingBlocks.Audit;

/// <summary>The audited actions, dotted from the general to the specific so a filter on a prefix selects a family.</summary>
public static partial class AuditActions
{
    public const string RegistryAliasSet = "registry.alias.set";
    public const string ModelReload = "model.reload";
    public const string IndexRebuild = "index.rebuild";
    public const string TrainingRequest = "training.request";
    public const string ChaosSet = "chaos.set";
    public const string ChaosClear = "chaos.clear";
    public const string WorkflowStart = "workflow.start";
    public const string WorkflowPause = "workflow.pause";
    public const string WorkflowResume = "workflow.resume";
    public const string WorkflowTerminate = "workflow.terminate";
    public const string WorkflowPurge = "workflow.purge";
    public const string WorkflowRaiseEvent = "workflow.raise_event";
    public const string ApiKeyCreate = "api_key.create";
    public const string ApiKeyRevoke = "api_key.revoke";

    /// <summary>Same rule as the audit_log table's CHECK constraint.</summary>
    public static bool IsValid(string? action) => action is not null && ActionPattern().IsMatch(action);

    [GeneratedRegex(@"\A[a-z][a-z0-9_.]{0,63}\z")]
    private static partial Regex ActionPattern();
}
