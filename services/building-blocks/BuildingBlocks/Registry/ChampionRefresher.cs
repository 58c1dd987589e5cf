using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Estimation;

namespace Platform.Valuation.Api.Models;

/// <summary>
/// Loads the champion at start and re-reads the alias every <c>CacheTtl</c>, so the request path only ever reads the cached
/// reference and the service becomes ready without waiting for traffic. Model-deployed events reload sooner.
/// </summary>
public sealed class ChampionRefresher(
    ChampionModelCache<ValuationModel> cache,
    IOptionsMonitor<ValuationOptions> options,
    TimeProvider time,
    ILogger<ChampionRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await cache.ReloadAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not read the champion of {Model}; retrying in {Ttl}", cache.ModelName, options.CurrentValue.CacheTtl);
            }

            try
            {
                await Task.Delay(options.CurrentValue.CacheTtl, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
