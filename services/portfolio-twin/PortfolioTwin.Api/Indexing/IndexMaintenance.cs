using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Loads the tenants' champions at start (those with one in the registry, up to <c>MaxLoadedTenants</c>) and re-reads the
/// alias of every tenant held every <c>CacheTtl</c>; a model-deployed event for a tenant checks that tenant at once. Whenever a
/// tenant's champion differs from the model its index serves, rebuilds that tenant's index aside and switches to it
/// (<see cref="PropertyIndexer.EnsureCurrentAsync"/>), so its property vectors and user embeddings always come from one model.
/// It is the twin champion's refresher in the champion-model block, which wakes it on model-deployed.
/// </summary>
public sealed class IndexMaintenance(
    TenantChampions<IServedTwin> models,
    ModelRegistry registry,
    PropertyIndexer indexer,
    IOptionsMonitor<PortfolioTwinOptions> options,
    ILogger<IndexMaintenance> logger) : BackgroundService, IChampionRefresher<IServedTwin>
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<string, bool> _asked = new(StringComparer.Ordinal);
    private volatile bool _askedForAll;

    /// <summary>Asks for a check of the tenant (every tenant held when null) now, because a model was deployed.</summary>
    public void RequestRefresh(string? tenantId = null)
    {
        if (tenantId is null)
        {
            _askedForAll = true;
        }
        else
        {
            _asked[tenantId] = true;
        }

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

    /// <summary>
    /// Reloads the champion of every tenant that has one (up to the cap) and rebuilds each index that serves another model.
    /// Returns the properties indexed; a tenant's failure is thrown (the background pass logs it and goes on instead).
    /// </summary>
    public async Task<int> EnsureIndexedAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var tenantId in await TenantsWithChampionAsync(cancellationToken).ConfigureAwait(false))
        {
            total += await EnsureIndexedAsync(tenantId, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    /// <summary>Reloads the tenant's champion and rebuilds its index when it serves another model. Returns the properties indexed.</summary>
    public async Task<int> EnsureIndexedAsync(string tenantId, CancellationToken cancellationToken)
    {
        var model = await models.For(tenantId).ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || !options.CurrentValue.ReindexOnModelChange)
        {
            return 0;
        }

        return await indexer.EnsureCurrentAsync(tenantId, cancellationToken).ConfigureAwait(false) ?? 0;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!started)
                {
                    await EnsureEachAsync(await TenantsWithChampionAsync(stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
                    started = true;
                }
                else
                {
                    await EnsureEachAsync(TakeAsked(), stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not load the {Model} champions or refresh the index; retrying in {Ttl}", models.ModelName, options.CurrentValue.CacheTtl);
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

    /// <summary>The tenants asked for since the last pass, or, at the end of a TTL, every tenant held.</summary>
    private IReadOnlyList<string> TakeAsked()
    {
        var asked = _asked.Keys.ToList();
        foreach (var tenantId in asked)
        {
            _asked.TryRemove(tenantId, out _);
        }

        var all = _askedForAll || asked.Count == 0;
        _askedForAll = false;
        return all ? [.. models.Held.Select(c => c.TenantId).Union(asked, StringComparer.Ordinal)] : asked;
    }

    private async Task<IEnumerable<string>> TenantsWithChampionAsync(CancellationToken cancellationToken) =>
        (await registry.TenantsWithAliasesAsync(models.ModelName, cancellationToken).ConfigureAwait(false)).Take(models.Capacity);

    /// <summary>One tenant's failure (e.g. a model of the wrong dimension) does not keep the others from being indexed.</summary>
    private async Task EnsureEachAsync(IEnumerable<string> tenants, CancellationToken cancellationToken)
    {
        foreach (var tenantId in tenants)
        {
            try
            {
                await EnsureIndexedAsync(tenantId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not refresh the {Model} index of tenant {Tenant}; retrying in {Ttl}", models.ModelName, tenantId, options.CurrentValue.CacheTtl);
            }
        }
    }
}
