using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// Ready once a valid model of at least one tenant is loaded: before the first deployment the service can answer nothing
/// useful. A tenant without a model is answered 503 on its own requests, which says nothing about the others.
/// </summary>
public sealed class ChampionModelReadyHealthCheck<TModel>(TenantChampions<TModel> champions) : IHealthCheck
    where TModel : class
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var held = champions.Held;
        var loaded = held.Where(c => c.Current is not null).ToList();
        return Task.FromResult(loaded.Count > 0
            ? HealthCheckResult.Healthy($"{champions.ModelName} loaded for {loaded.Count} tenant(s).")
            : HealthCheckResult.Unhealthy(held.Select(c => c.LastError).FirstOrDefault(e => e is not null) ?? $"No {champions.ModelName} model is deployed yet."));
    }
}
