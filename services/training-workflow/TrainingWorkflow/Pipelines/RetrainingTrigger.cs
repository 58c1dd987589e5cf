using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.MarketData.Postgres;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Pipelines;

/// <summary>What asked for a retraining.</summary>
public enum RetrainingSource
{
    /// <summary>The in-process schedule (<c>Platform:Pipelines:RetrainingCron</c> or a configured schedule) or, under Dapr, the cron binding.</summary>
    Schedule,

    /// <summary>A <c>training-requested</c> event (e.g. a drift alert).</summary>
    Event,

    /// <summary><c>POST /workflows/PlatformRetraining/start</c>.</summary>
    Api,

    /// <summary>The main job's first start on a database without champions.</summary>
    Bootstrap,
}

/// <summary>
/// The one instance-id scheme of <c>PlatformRetraining</c>: <c>retrain-{tenant}-{window}</c>. The window is what makes two
/// triggers the same retraining, so a second trigger for it finds the instance the first started:
/// <list type="bullet">
/// <item>schedule, cron binding and API: the UTC minute of the occurrence, tick or request, <c>yyyyMMddTHHmmZ</c>;</item>
/// <item>event: <c>e</c> + 16 hex digits of the SHA-256 of the event id (a redelivered event names the same instance);</item>
/// <item>bootstrap: <c>bootstrap</c> (one first training per tenant); a bootstrap that ended and left the tenant without
/// champions is started again as <c>bootstrap-</c> + the UTC minute (<see cref="RebootstrapWindow"/>).</item>
/// </list>
/// A tenant id too long for the 64-character limit is replaced by <c>t</c> + 16 hex digits of its SHA-256.
/// </summary>
public static class RetrainingInstanceId
{
    public const string Prefix = "retrain-";
    public const string BootstrapWindow = "bootstrap";

    public static string MinuteWindow(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture);

    public static string EventWindow(string eventId) => "e" + Hash(eventId);

    /// <summary>A new first training at <paramref name="at"/>: a start with the ended bootstrap's own id would only find that run.</summary>
    public static string RebootstrapWindow(DateTimeOffset at) => $"{BootstrapWindow}-{MinuteWindow(at)}";

    public static string For(string tenantId, string window)
    {
        var id = $"{Prefix}{tenantId}-{window}";
        return id.Length <= WorkflowInstanceId.MaxLength ? id : $"{Prefix}t{Hash(tenantId)}-{window}";
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}

/// <summary>
/// The one way a retraining starts, whichever trigger asks: the in-process schedule and the management API (through
/// <see cref="IWorkflowTrigger"/>), the Dapr cron binding, the <c>training-requested</c> handler and the demo bootstrap.
/// Each names its instance by <see cref="RetrainingInstanceId"/> and starts it through the idempotent
/// <see cref="WorkflowManagement.StartAsync"/>, so repeated triggers of one window start one run.
/// </summary>
public sealed partial class RetrainingTrigger(
    WorkflowManagement workflows, IOptions<TrainingPipelineOptions> options, ILogger<RetrainingTrigger> logger) : IWorkflowTrigger
{
    public string Workflow => PlatformRetrainingWorkflow.Name;

    /// <summary>One retraining per tenant of <c>Platform:Pipelines:Tenants</c> for a schedule tick (the Dapr cron binding).</summary>
    public async Task<IReadOnlyList<(string InstanceId, bool Created)>> StartScheduledAsync(
        DateTimeOffset tick, string reason, CancellationToken cancellationToken)
    {
        var started = new List<(string, bool)>();
        foreach (var tenant in options.Value.RetrainedTenants)
        {
            var input = new PlatformRetrainingInput { TenantId = tenant, Reason = reason };
            started.Add(await StartAsync(RetrainingSource.Schedule, RetrainingInstanceId.MinuteWindow(tick), input, null, cancellationToken).ConfigureAwait(false));
        }

        return started;
    }

    /// <summary>The retraining a <c>training-requested</c> event asks for.</summary>
    public Task<(string InstanceId, bool Created)> StartForEventAsync(
        string tenantId, string eventId, string? reason, CancellationToken cancellationToken) =>
        StartAsync(
            RetrainingSource.Event,
            RetrainingInstanceId.EventWindow(eventId),
            new PlatformRetrainingInput { TenantId = tenantId, Reason = reason ?? $"event {eventId}" },
            null,
            cancellationToken);

    /// <summary>The first training of a tenant (demo bootstrap); a later call finds the same instance.</summary>
    public Task<(string InstanceId, bool Created)> StartBootstrapAsync(string tenantId, string reason, CancellationToken cancellationToken) =>
        StartAsync(
            RetrainingSource.Bootstrap,
            RetrainingInstanceId.BootstrapWindow,
            new PlatformRetrainingInput { TenantId = tenantId, Reason = reason },
            null,
            cancellationToken);

    /// <summary>
    /// The first training again, as a new run windowed by the minute of <paramref name="at"/>: the bootstrap run ended (an earlier
    /// release's run, a failure) and left the tenant without champions. Two hosts starting in the same minute start one run.
    /// </summary>
    public Task<(string InstanceId, bool Created)> RestartBootstrapAsync(string tenantId, string reason, DateTimeOffset at, CancellationToken cancellationToken) =>
        StartAsync(
            RetrainingSource.Bootstrap,
            RetrainingInstanceId.RebootstrapWindow(at),
            new PlatformRetrainingInput { TenantId = tenantId, Reason = reason },
            null,
            cancellationToken);

    /// <summary>A start by the in-process scheduler or the management API; the input must name the tenant.</summary>
    public Task<(string InstanceId, bool Created)> StartAsync(
        WorkflowTriggerSource source, DateTimeOffset at, object? input, string? instanceId, CancellationToken cancellationToken)
    {
        var request = ReadInput(input);
        var (kind, reason) = source == WorkflowTriggerSource.Schedule
            ? (RetrainingSource.Schedule, "schedule")
            : (RetrainingSource.Api, "management API");
        return StartAsync(kind, RetrainingInstanceId.MinuteWindow(at), request with { Reason = request.Reason ?? reason }, instanceId, cancellationToken);
    }

    private async Task<(string InstanceId, bool Created)> StartAsync(
        RetrainingSource source, string window, PlatformRetrainingInput input, string? instanceId, CancellationToken cancellationToken)
    {
        if (!TenantId.IsValid(input.TenantId))
        {
            throw new ArgumentException(
                $"The input of workflow '{Workflow}': field 'tenantId' ('{input.TenantId}') is not a valid tenant id (1-64 of A-Z a-z 0-9 _ -).",
                nameof(input));
        }

        var id = instanceId ?? RetrainingInstanceId.For(input.TenantId, window);
        var (started, created) = await workflows.StartAsync(Workflow, id, input, cancellationToken).ConfigureAwait(false);
        LogStarted(source, input.TenantId, started, created);
        return (started, created);
    }

    private PlatformRetrainingInput ReadInput(object? input)
    {
        try
        {
            var json = input switch
            {
                null => default,
                JsonElement element => element,
                _ => JsonSerializer.SerializeToElement(input, input.GetType(), WorkflowJson.Options),
            };
            return json.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                ? throw new WorkflowInputRequiredException(Workflow, typeof(PlatformRetrainingInput))
                : json.Deserialize<PlatformRetrainingInput>(WorkflowJson.Options)!;
        }
        catch (JsonException exception)
        {
            throw new ArgumentException(
                $"The input does not fit workflow '{Workflow}' (expects {nameof(PlatformRetrainingInput)}): {exception.Message}", nameof(input), exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining of tenant {Tenant} ({Source}): instance {InstanceId} (newly started: {Created})")]
    private partial void LogStarted(RetrainingSource source, string tenant, string instanceId, bool created);
}
