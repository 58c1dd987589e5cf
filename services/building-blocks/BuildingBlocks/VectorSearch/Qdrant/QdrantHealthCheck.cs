using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>Qdrant's own health check (gRPC <c>qdrant.Qdrant/HealthCheck</c>), reported by <c>/ready</c>.</summary>
public sealed class QdrantHealthCheck(QdrantChannel channel, QdrantOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await channel.Client.HealthAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Qdrant {reply.Version} at {options.Url}.");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"Qdrant at {options.Url} does not answer its health check: {e.Message}", e);
        }
    }
}
