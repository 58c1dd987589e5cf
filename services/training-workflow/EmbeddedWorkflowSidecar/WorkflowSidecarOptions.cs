using System.ComponentModel.DataAnnotations;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>Settings of the embedded durable-task sidecar (section <c>Platform:WorkflowSidecar</c>).</summary>
public sealed class WorkflowSidecarOptions
{
    public const string SectionName = "Platform:WorkflowSidecar";

    /// <summary>
    /// Where the sidecar's gRPC endpoint listens, e.g. <c>http://127.0.0.1:50001</c>. Empty: a free loopback port.
    /// Another process uses this platform as its workflow sidecar by setting <c>DAPR_GRPC_ENDPOINT</c> to it.
    /// </summary>
    public string? Address { get; set; }

    /// <summary>
    /// How long a sidecar's leases on work items outlive its last heartbeat. A sidecar that dies holding work
    /// (SIGKILL) has that work dispatched again by another sidecar (or its restart) after this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long finished instances are kept before the retention service purges them (with their children).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan RetentionDefault { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Per workflow name overrides of <see cref="RetentionDefault"/>.</summary>
    public Dictionary<string, TimeSpan> RetentionPerWorkflow { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the retention service looks for expired instances.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most work items of each kind (workflow turns, activities) in flight on one worker stream.</summary>
    /// <summary>When set (default: <c>DAPR_API_TOKEN</c>), calls must carry it as <c>dapr-api-token</c>, as daprd demands.</summary>
    public string? ApiToken { get; set; }

    /// <summary>Most connections the sidecar takes at once from the (shared) data source's pool.</summary>
    [Range(2, 1000)]
    public int MaxDatabaseConnections { get; set; } = 20;

    [Range(1, 10_000)]
    public int MaxInFlightPerWorker { get; set; } = 100;
}
