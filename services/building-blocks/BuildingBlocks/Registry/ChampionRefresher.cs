using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.BuildingBlocks.Registry;

/// <summary>What keeps the tenants' champions fresh in the background; a model-deployed event asks it to look now.</summary>
public interface IChampionRefresher<TModel>
    where TModel : class
{
    /// <summary>
    /// Asks for a reload now instead of at the end of the TTL (of <paramref name="tenantId"/>'s model, or of every tenant's
    /// when null); returns at once.
    /// </summary>
    void RequestRefresh(string? tenantId = null);
}

/// <summary>
/// Loads the champions of the tenants that have one at start (up to the cache's cap) and re-reads the alias of every tenant
/// held every TTL (sooner when asked), so the request path only ever reads the cached reference and the service becomes
/// ready without waiting for traffic.
/// </summary>
public sealed class ChampionRefresher<TModel>(
    TenantChampions<TModel> champions,
    TimeProvider time,
    ILogger<ChampionRefresher<TModel>> logger) : BackgroundService, IChampionRefresher<TModel>
    where TModel : class
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void RequestRefresh(string? tenantId = null)
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already asked; one reload answers both.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var preloaded = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!preloaded)
                {
                    await champions.PreloadAsync(stoppingToken).ConfigureAwait(false);
                    preloaded = true;
                }

                await champions.ReloadLoadedAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not read the {Alias} of {Model}; retrying in {Ttl}", champions.Alias, champions.ModelName, champions.TimeToLive);
            }

            try
            {
                await WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Until the TTL (on the injected clock) runs out or a refresh is asked for.</summary>
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = _wake.WaitAsync(waiting.Token);
        var elapsed = Task.Delay(champions.TimeToLive, time, waiting.Token);
        await Task.WhenAny(woken, elapsed).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }
}
