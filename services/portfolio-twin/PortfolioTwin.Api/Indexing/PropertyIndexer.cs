using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;
using Platform.PortfolioTwin.Api.Valuation;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Keeps the vector index in step with the properties and the champion model: encodes a tenant's properties in batches and
/// upserts them (<see cref="ReindexAsync"/>, called by the training workflow after a new twin is deployed and by
/// <see cref="IndexMaintenance"/>), and indexes or removes single listings as they change. One reindex per tenant at a time.
/// </summary>
public sealed class PropertyIndexer(
    ChampionModelCache<IServedTwin> models,
    ITwinDataStore store,
    IVectorIndex index,
    IEstimatedValueProvider estimatedValues,
    IOptionsMonitor<PortfolioTwinOptions> options,
    PortfolioTwinMetrics metrics,
    ILogger<PropertyIndexer> logger)
{
    private readonly ConcurrentDictionary<string, int> _indexedWith = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _tenantGates = new(StringComparer.Ordinal);

    /// <summary>The model version the tenant's index was last fully built with by this process, or null.</summary>
    public int? IndexedVersion(string tenantId) => _indexedWith.TryGetValue(tenantId, out var version) ? version : null;

    /// <summary>Encodes every property of the tenant with the champion and upserts it. Returns the number of properties indexed.</summary>
    public async Task<int> ReindexAsync(string tenantId, CancellationToken cancellationToken) =>
        await ReindexCoreAsync(tenantId, onlyIfStale: false, cancellationToken).ConfigureAwait(false) ?? 0;

    /// <summary>Reindexes the tenant unless this process already indexed it with the serving model. Null when it was current.</summary>
    public Task<int?> EnsureIndexedAsync(string tenantId, CancellationToken cancellationToken) =>
        ReindexCoreAsync(tenantId, onlyIfStale: true, cancellationToken);

    /// <summary>Encodes and upserts the given properties of one tenant (listing created or updated).</summary>
    public async Task IndexAsync(string tenantId, IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        var model = models.Current ?? await models.GetAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            // Nothing to encode with; the first champion's reindex picks these properties up from PostgreSQL.
            return;
        }

        await UpsertAsync(model.Model, tenantId, properties, cancellationToken).ConfigureAwait(false);
    }

    public Task RemoveAsync(string tenantId, IReadOnlyCollection<string> propertyIds, CancellationToken cancellationToken) =>
        index.DeleteAsync(tenantId, propertyIds, cancellationToken);

    private async Task<int?> ReindexCoreAsync(string tenantId, bool onlyIfStale, CancellationToken cancellationToken)
    {
        // Re-read the alias: the workflow calls this right after moving it, possibly before the deployment event arrives.
        var model = await models.ReloadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No champion of '{models.ModelName}' is deployed; nothing to encode properties with.");
        var gate = _tenantGates.GetOrAdd(tenantId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (onlyIfStale && IndexedVersion(tenantId) == model.Version.Version)
            {
                return null;
            }

            var batchSize = options.CurrentValue.IndexBatchSize;
            var batch = new List<Property>(batchSize);
            var total = 0;
            await foreach (var property in store.PropertiesAsync(tenantId, cancellationToken).ConfigureAwait(false))
            {
                batch.Add(property);
                if (batch.Count == batchSize)
                {
                    total += await UpsertAsync(model.Model, tenantId, batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            total += await UpsertAsync(model.Model, tenantId, batch, cancellationToken).ConfigureAwait(false);
            _indexedWith[tenantId] = model.Version.Version;
            logger.LogInformation("Indexed {Count} properties of tenant {Tenant} with {Model} v{Version}", total, tenantId, models.ModelName, model.Version.Version);
            return total;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<int> UpsertAsync(IServedTwin model, string tenantId, IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        if (properties.Count == 0)
        {
            return 0;
        }

        var estimates = await estimatedValues.EstimateAsync(properties, cancellationToken).ConfigureAwait(false);
        var vectors = model.Encode(properties, estimates);
        var points = new VectorPoint[properties.Count];
        for (var i = 0; i < points.Length; i++)
        {
            var p = properties[i];
            // The price filter reads the asking price; an unlisted property is filtered by its estimate when there is one.
            var price = p.ListingPrice ?? estimates[i] ?? 0;
            points[i] = new VectorPoint(p.PropertyId, vectors[i], new VectorPayload(tenantId, p.PropertyType, price, p.Bedrooms, p.Latitude, p.Longitude, p.Status));
        }

        await index.UpsertAsync(points, cancellationToken).ConfigureAwait(false);
        metrics.Indexed(points.Length);
        return points.Length;
    }
}
