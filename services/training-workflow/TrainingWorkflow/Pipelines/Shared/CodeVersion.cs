using System.Reflection;

namespace Platform.TrainingWorkflow.Pipelines.Shared;

/// <summary>The version of the code that trained a model, recorded in its lineage.</summary>
public static class CodeVersion
{
    public static string Current { get; } =
        typeof(CodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CodeVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
