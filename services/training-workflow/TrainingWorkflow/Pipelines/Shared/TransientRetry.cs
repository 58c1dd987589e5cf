using System.Text.Json;
using Dapr.Workflow;

namespace Platform.TrainingWorkflow.Pipelines.Shared;

/// <summary>
/// Retries of the pipelines' store-bound activities, for transient failures only. Dapr's <see cref="WorkflowRetryPolicy"/>
/// retries every failure; an activity that failed on what it was given (an invalid argument such as a malformed tenant id, data
/// that does not parse) fails the same way on every attempt, so it fails the step at once instead of after three attempts and
/// their back-off. Waits are durable timers, as the SDK's own retries are, so a replay takes the same path.
/// </summary>
public static class TransientRetry
{
    public const int MaxAttempts = 3;
    public const double BackoffCoefficient = 2;

    public static readonly TimeSpan FirstRetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>Calls activity <paramref name="name"/>; a transient failure is retried up to <see cref="MaxAttempts"/> attempts in all.</summary>
    public static async Task<T> CallWithRetryAsync<T>(this WorkflowContext context, string name, object input)
    {
        var delay = FirstRetryInterval;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await context.CallActivityAsync<T>(name, input);
            }
            catch (WorkflowTaskFailedException exception) when (attempt < MaxAttempts && !IsPermanent(exception.FailureDetails))
            {
                await context.CreateTimer(delay);
                delay *= BackoffCoefficient;
            }
        }
    }

    /// <summary>A failure no retry can fix: the activity refused its input or the data it read.</summary>
    public static bool IsPermanent(WorkflowTaskFailureDetails failure) =>
        // IsCausedBy loads the type by its name alone, which finds only framework types; ours is matched by name.
        failure.ErrorType == typeof(PermanentActivityException).FullName
        || failure.IsCausedBy<ArgumentException>()
        || failure.IsCausedBy<FormatException>()
        || failure.IsCausedBy<JsonException>()
        || failure.IsCausedBy<InvalidDataException>()
        || failure.IsCausedBy<NotSupportedException>();
}

/// <summary>An activity failure that no retry can fix (the data or the settings it was given rule the step out).</summary>
public sealed class PermanentActivityException(string message) : Exception(message);
