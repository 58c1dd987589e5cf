using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.BuildingBlocks.Registry;

/// <summary>Ready only while a valid model is loaded: before the first deployment the service can answer nothing useful.</summary>
public sealed class ChampionModelReadyHealthCheck<TModel>(ChampionModelCache<TModel> cache) : IHealthCheck
    where TModel : class
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.Current is { } loaded
            ? HealthCheckResult.Healthy($"{cache.ModelName} v{loaded.Version.Version} loaded.")
            : HealthCheckResult.Unhealthy(cache.LastError ?? $"No {cache.ModelName} model is deployed yet."));
}
