using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Models;

/// <summary>Ready only while a valid model is loaded: before the first deployment the service can answer nothing useful.</summary>
public sealed class ModelReadyHealthCheck(ChampionModelCache<ValuationModel> cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cache.Current is { } loaded
            ? HealthCheckResult.Healthy($"{cache.ModelName} v{loaded.Version.Version} loaded.")
            : HealthCheckResult.Unhealthy(cache.LastError ?? $"No {cache.ModelName} model is deployed yet."));
}
