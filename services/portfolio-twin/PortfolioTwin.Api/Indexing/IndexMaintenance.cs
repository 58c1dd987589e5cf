using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Loads the champion at start and re-reads the alias every <c>CacheTtl</c> (sooner on a model-deployed event); whenever the
/// champion differs from the model the index serves, rebuilds the index aside and switches to it
/// (<see cref="PropertyIndexer.EnsureCurrentAsync"/>), so property vectors and user embeddings always come from one model.
/// It is the twin champion's refresher in the champion-model block, which wakes it on model-deployed.
/// </summary>
public sealed class IndexMaintenance(
    ChampionModelCache<IServedTwin> models,
    PropertyIndexer indexer,
    IOptionsMonitor<PortfolioTwinOptions> options,
    ILogger<IndexMaintenance> logger) : BackgroundService, IChampionRefresher<IServedTwin>
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a check now (a model was deployed) instead of at the end of the TTL.</summary>
    public void RequestRefresh()
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

    /// <summary>Reloads the champion and rebuilds the index when it serves another model. Returns the properties indexed.</summary>
    public async Task<int> EnsureIndexedAsync(CancellationToken cancellationToken)
    {
        var model = await models.ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || !options.CurrentValue.ReindexOnModelChange)
        {
            return 0;
        }

        return await indexer.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false) ?? 0;
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
