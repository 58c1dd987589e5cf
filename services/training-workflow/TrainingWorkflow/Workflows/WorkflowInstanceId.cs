namespace Platform.TrainingWorkflow.Workflows;

/// <summary>Instance ids: letters, digits, '-' and '_', at most 64 characters (they become state-store keys and URL segments).</summary>
public static class WorkflowInstanceId
{
    public const int MaxLength = 64;

    /// <summary>Null when <paramref name="id"/> is valid, otherwise why not.</summary>
    public static string? Validate(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "The instance id must not be empty.";
        }

        if (id.Length > MaxLength)
        {
            return $"The instance id is {id.Length} characters long; at most {MaxLength} are allowed.";
        }

        var bad = id.FirstOrDefault(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        return bad == default ? null : $"The instance id contains '{bad}'; only letters, digits, '-' and '_' are allowed.";
    }
}
