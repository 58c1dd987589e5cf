using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar;

/// <summary>
/// Purges finished instances whose time to live is over (per workflow name, default 30 days), each with its
/// children, so history does not grow without bound. Counted in <c>workflow_sidecar.instances.purged</c>.
/// </summary>
internal sealed class WorkflowRetentionService(NpgsqlDataSource dataSource, IOptions<WorkflowSidecarOptions> options, ILogger<WorkflowRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = new WorkflowRetention(new SidecarStore(dataSource), options.Value);
        using var timer = new PeriodicTimer(options.Value.RetentionInterval);
        try
        {
            do
            {
                try
                {
                    var purged = await retention.PurgeExpiredAsync(stoppingToken);
                    if (purged > 0)
                    {
                        logger.LogInformation("Workflow retention purged {Count} finished instances.", purged);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(ex, "Workflow retention sweep failed; trying again at the next interval.");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}

/// <summary>One retention sweep (also callable directly, e.g. by tests or a maintenance verb).</summary>
public sealed class WorkflowRetention
{
    private readonly SidecarStore _store;
    private readonly WorkflowSidecarOptions _options;

    public WorkflowRetention(NpgsqlDataSource dataSource, WorkflowSidecarOptions options)
        : this(new SidecarStore(dataSource), options)
    {
    }

    internal WorkflowRetention(SidecarStore store, WorkflowSidecarOptions options)
    {
        _store = store;
        _options = options;
    }

    /// <summary>Deletes every expired finished root instance with its descendants; returns how many instances went.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var roots = await _store.FindExpiredRootsAsync(_options.RetentionDefault, _options.RetentionPerWorkflow, 500, cancellationToken);
            if (roots.Count == 0)
            {
                return total;
            }

            var deleted = await _store.PurgeAsync(roots, recursive: true, cancellationToken);
            SidecarMetrics.InstancesPurged.Add(deleted, new KeyValuePair<string, object?>("reason", "retention"));
            total += deleted;
            if (roots.Count < 500)
            {
                return total;
            }
        }
    }
}
