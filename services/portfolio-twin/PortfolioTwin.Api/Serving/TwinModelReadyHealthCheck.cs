using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.BuildingBlocks.Registry;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>Ready only while a twin model is loaded: before the first deployment no user or property can be embedded.</summary>
public sealed class TwinModelReadyHealthCheck(ChampionModelCache<IServedTwin> cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.Current is { } loaded
            ? HealthCheckResult.Healthy($"{cache.ModelName} v{loaded.Version.Version} loaded.")
            : HealthCheckResult.Unhealthy(cache.LastError ?? $"No {cache.ModelName} model is deployed yet."));
}
