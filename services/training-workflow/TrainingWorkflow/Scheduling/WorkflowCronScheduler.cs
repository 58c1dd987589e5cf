using Cronos;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Scheduling;

/// <summary>Starts a named workflow on a cron expression (configuration section <c>Platform:Workflows:Schedules</c>).</summary>
public sealed class WorkflowSchedule
{
    /// <summary>Letters, digits, '-', '_'; prefixes the instance id of each occurrence.</summary>
    public string Name { get; set; } = "";

    public string Workflow { get; set; } = "";

    /// <summary>Five fields (minute precision) or six (with seconds first).</summary>
    public string Cron { get; set; } = "";

    /// <summary>The workflow input as JSON text; empty for none.</summary>
    public string? Input { get; set; }

    /// <summary>Time zone id the cron expression is read in.</summary>
    public string TimeZone { get; set; } = "UTC";
}

public sealed class WorkflowScheduleOptions
{
    public const string SectionName = "Platform:Workflows";

    public List<WorkflowSchedule> Schedules { get; set; } = [];
}

/// <summary>
/// The in-process scheduler of the embedded mode (under Dapr the <c>bindings.cron</c> component ticks instead). Each occurrence gets the instance id <c>{schedule}-{yyyyMMddTHHmmssZ}</c>, so several hosts
/// running this scheduler start one instance per occurrence (the start is idempotent). A workflow with its own
/// <see cref="IWorkflowTrigger"/> (PlatformRetraining) is started through it instead, under that trigger's instance-id scheme.
/// Occurrences missed while no host ran are not started afterwards.
/// </summary>
public sealed partial class WorkflowCronScheduler(
    IOptions<WorkflowScheduleOptions> options,
    WorkflowManagement workflows,
    IEnumerable<IWorkflowTrigger> triggers,
    TimeProvider timeProvider,
    ILogger<WorkflowCronScheduler> logger)
    : BackgroundService
{
    private const int OccurrenceSuffixLength = 17;

    public static string OccurrenceInstanceId(string scheduleName, DateTimeOffset occurrence) =>
        $"{scheduleName}-{occurrence.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";

    /// <summary>Parses and checks every schedule; the message names the schedule and the field at fault.</summary>
    public static IReadOnlyList<(WorkflowSchedule Schedule, CronExpression Expression, TimeZoneInfo TimeZone)> Validate(
        IEnumerable<WorkflowSchedule> schedules)
    {
        var parsed = new List<(WorkflowSchedule, CronExpression, TimeZoneInfo)>();
        foreach (var (schedule, index) in schedules.Select((s, i) => (s, i)))
        {
            var where = $"Workflow schedule #{index} ('{schedule.Name}')";
            if (WorkflowInstanceId.Validate(schedule.Name) is not null || schedule.Name.Length > WorkflowInstanceId.MaxLength - OccurrenceSuffixLength)
            {
                throw new InvalidOperationException(
                    $"{where}: field 'Name' must be 1-{WorkflowInstanceId.MaxLength - OccurrenceSuffixLength} letters, digits, '-' or '_'.");
            }

            if (string.IsNullOrWhiteSpace(schedule.Workflow))
            {
                throw new InvalidOperationException($"{where}: field 'Workflow' is required.");
            }

            CronExpression expression;
            try
            {
                var fields = schedule.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                expression = CronExpression.Parse(schedule.Cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException exception)
            {
                throw new InvalidOperationException($"{where}: field 'Cron' ('{schedule.Cron}') is not a cron expression: {exception.Message}", exception);
            }

            TimeZoneInfo zone;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
            }
            catch (TimeZoneNotFoundException exception)
            {
                throw new InvalidOperationException($"{where}: field 'TimeZone' ('{schedule.TimeZone}') is not a known time zone.", exception);
            }

            parsed.Add((schedule, expression, zone));
        }

        return parsed;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedules = Validate(options.Value.Schedules);
        return Task.WhenAll(schedules.Select(s => RunScheduleAsync(s.Schedule, s.Expression, s.TimeZone, stoppingToken)));
    }

    private async Task RunScheduleAsync(WorkflowSchedule schedule, CronExpression expression, TimeZoneInfo zone, CancellationToken stoppingToken)
    {
        var input = string.IsNullOrWhiteSpace(schedule.Input) ? null : (object)System.Text.Json.JsonDocument.Parse(schedule.Input).RootElement.Clone();
        var trigger = triggers.FirstOrDefault(t => t.Workflow == schedule.Workflow);
        var from = timeProvider.GetUtcNow();
        while (expression.GetNextOccurrence(from, zone) is { } next)
        {
            var delay = next - timeProvider.GetUtcNow();
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }

                var (instanceId, created) = trigger is null
                    ? await workflows.StartAsync(schedule.Workflow, OccurrenceInstanceId(schedule.Name, next), input, stoppingToken).ConfigureAwait(false)
                    : await trigger.StartAsync(WorkflowTriggerSource.Schedule, next, input, null, stoppingToken).ConfigureAwait(false);
                LogOccurrence(schedule.Name, schedule.Workflow, instanceId, created);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogStartFailed(exception, schedule.Name, schedule.Workflow);
            }

            from = next;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Schedule}: workflow {Workflow} instance {InstanceId} (newly started: {Created})")]
    private partial void LogOccurrence(string schedule, string workflow, string instanceId, bool created);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {Schedule}: starting workflow {Workflow} failed")]
    private partial void LogStartFailed(Exception exception, string schedule, string workflow);
}

public static class WorkflowScheduleServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="WorkflowCronScheduler"/>, reading schedules from <c>Platform:Workflows:Schedules</c> when
    /// <paramref name="configuration"/> is given, plus any added by <paramref name="configure"/>. Needs <c>AddPlatformWorkflows</c>.
    /// </summary>
    public static IServiceCollection AddWorkflowSchedules(
        this IServiceCollection services, IConfiguration? configuration = null, Action<WorkflowScheduleOptions>? configure = null)
    {
        var builder = services.AddOptions<WorkflowScheduleOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration.GetSection(WorkflowScheduleOptions.SectionName));
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowScheduleOptions>, WorkflowScheduleOptionsValidator>());
        services.AddHostedService<WorkflowCronScheduler>();
        return services;
    }
}

/// <summary>
/// Reports a bad schedule as an options failure, so the host's start-up check lists it beside the other options' failures
/// instead of stopping at the first.
/// </summary>
internal sealed class WorkflowScheduleOptionsValidator : IValidateOptions<WorkflowScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowScheduleOptions options)
    {
        try
        {
            WorkflowCronScheduler.Validate(options.Schedules);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
