using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Loads the champion at start and re-reads the alias every <c>CacheTtl</c> (sooner on a model-deployed event); whenever the
/// serving model differs from the one a tenant's index was built with, reindexes that tenant, so property vectors and user
/// embeddings always come from the same model space.
/// </summary>
public sealed class IndexMaintenance(
    ChampionModelCache<IServedTwin> models,
    PropertyIndexer indexer,
    ITwinDataStore store,
    IOptionsMonitor<PortfolioTwinOptions> options,
    ILogger<IndexMaintenance> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a check now (a model was deployed) instead of at the end of the TTL.</summary>
    public void RequestCheck()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another caller already woke it.
            }
        }
    }

    /// <summary>Reloads the champion and reindexes every tenant whose index is stale. Returns the properties indexed.</summary>
    public async Task<int> EnsureIndexedAsync(CancellationToken cancellationToken)
    {
        var model = await models.ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || !options.CurrentValue.ReindexOnModelChange)
        {
            return 0;
        }

        var total = 0;
        foreach (var tenantId in await store.TenantsAsync(cancellationToken).ConfigureAwait(false))
        {
            total += await indexer.EnsureIndexedAsync(tenantId, cancellationToken).ConfigureAwait(false) ?? 0;
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureIndexedAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not load the {Model} champion or refresh the index; retrying in {Ttl}", models.ModelName, options.CurrentValue.CacheTtl);
            }

            try
            {
                await _wake.WaitAsync(options.CurrentValue.CacheTtl, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
