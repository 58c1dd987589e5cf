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

    // Tenants asked for since the last pass; null in the set's place means "every tenant held".
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _asked = new(StringComparer.Ordinal);
    private volatile bool _askedForAll;

    public void RequestRefresh(string? tenantId = null)
    {
        if (tenantId is null)
        {
            _askedForAll = true;
        }
        else
        {
            _asked.TryAdd(tenantId, 0);
        }

        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already asked; one pass answers both.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var preloaded = false;
        var wokenForTenants = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!preloaded)
                {
                    await champions.PreloadAsync(stoppingToken).ConfigureAwait(false);
                    preloaded = true;
                }

                if (wokenForTenants)
                {
                    // Asked for named tenants only (a deployment names its tenant): the others' models stay as they are.
                    foreach (var tenantId in _asked.Keys)
                    {
                        _asked.TryRemove(tenantId, out _);
                        await champions.For(tenantId).ReloadAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    _asked.Clear();
                    await champions.ReloadLoadedAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not read the {Alias} of {Model}; retrying in {Ttl}", champions.Alias, champions.ModelName, champions.TimeToLive);
            }

            try
            {
                var woken = await WaitAsync(stoppingToken).ConfigureAwait(false);
                wokenForTenants = woken && !_askedForAll && !_asked.IsEmpty;
                _askedForAll = false;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Until the TTL (on the injected clock) runs out or a refresh is asked for; true when asked.</summary>
    private async Task<bool> WaitAsync(CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var woken = _wake.WaitAsync(waiting.Token);
        var elapsed = Task.Delay(champions.TimeToLive, time, waiting.Token);
        var first = await Task.WhenAny(woken, elapsed).ConfigureAwait(false);
        await waiting.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        return first == woken && woken.IsCompletedSuccessfully;
    }
}
