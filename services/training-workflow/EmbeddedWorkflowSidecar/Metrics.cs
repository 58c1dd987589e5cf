using System.Diagnostics.Metrics;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>The sidecar's meter (exported by the platform's OpenTelemetry set-up, which takes every <c>Platform.*</c> meter).</summary>
internal static class SidecarMetrics
{
    public const string MeterName = "Platform.EmbeddedWorkflowSidecar";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Instances deleted by purge, tagged <c>reason</c> = <c>retention</c> or <c>request</c>.</summary>
    public static readonly Counter<long> InstancesPurged =
        Meter.CreateCounter<long>("workflow_sidecar.instances.purged", unit: "{instance}", description: "Workflow instances purged, children included.");

    public static readonly Counter<long> WorkItemsDispatched =
        Meter.CreateCounter<long>("workflow_sidecar.work_items.dispatched", unit: "{work_item}", description: "Workflow turns and activities sent to workers.");

    /// <summary>
    /// From handing a work item to a worker stream until its completion arrives, tagged <c>kind</c>: the share of a
    /// step spent in the worker (SDK replay or activity, gRPC both ways), apart from the sidecar's and PostgreSQL's.
    /// </summary>
    public static readonly Histogram<double> WorkerDuration =
        Meter.CreateHistogram<double>("workflow_sidecar.worker.duration", unit: "ms", description: "Time a work item spends at the worker.");
}
