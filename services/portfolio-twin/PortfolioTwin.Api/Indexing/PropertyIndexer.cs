using System.Globalization;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;
using Platform.PortfolioTwin.Api.Valuation;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Keeps the vector index in step with the properties and the champion model, with no moment where readers see a half-filled
/// index or two models mixed: the index serves one version named after the model that encoded it (<c>twin-v7</c>), and the
/// scorer uses exactly that model (<see cref="ServingModelAsync"/>). A new champion is indexed aside — every tenant's
/// properties into a new version — and the space's alias switches to it in one step when it is complete; only then does the
/// new model serve. A failed rebuild discards the version built aside and the old model and index keep serving.
/// Listings that change meanwhile are written to both the serving version and the one being built.
/// </summary>
public sealed class PropertyIndexer(
    ChampionModelCache<IServedTwin> models,
    ModelRegistry registry,
    IModelLoader<IServedTwin> loader,
    ITwinDataStore store,
    IVectorIndex index,
    IEstimatedValueProvider estimatedValues,
    IOptionsMonitor<PortfolioTwinOptions> options,
    PortfolioTwinMetrics metrics,
    ILogger<PropertyIndexer> logger)
{
    private readonly SemaphoreSlim _rebuildGate = new(1, 1);
    private volatile Served? _served;
    private volatile Building? _building;

    public VectorSpace Space { get; } = PropertyVectorSpace.Create(options.CurrentValue.IndexSpace, options.CurrentValue.EmbeddingDimension);

    /// <summary>The model whose embeddings the index serves now, or null before the first index is built or adopted.</summary>
    public LoadedModel<IServedTwin>? ServingModel => _served?.Model;

    /// <summary>The serving model with the space pinned to its index version, or null (see <see cref="ServingAsync"/>).</summary>
    public ServingIndex? Serving => _served?.Index;

    /// <summary>The index version serving now (e.g. <c>twin-v7</c>), or null.</summary>
    public string? ServingVersion => _served?.Version;

    public string VersionFor(ModelVersion model) => string.Create(CultureInfo.InvariantCulture, $"{models.ModelName}-v{model.Version}");

    /// <summary>
    /// The model to score with: the one the index was built with. A process that starts on an index built earlier (by itself
    /// or another replica) adopts it, loading that model version from the registry if the champion has moved on since.
    /// </summary>
    public async ValueTask<LoadedModel<IServedTwin>?> ServingModelAsync(CancellationToken cancellationToken) =>
        (await ServingAsync(cancellationToken).ConfigureAwait(false))?.Model;

    /// <summary>
    /// The model and the space pinned to the index version built with it. A request takes this once and reads only through it,
    /// so a switch in the middle of the request cannot give it a user vector of one model and properties of another.
    /// </summary>
    public async ValueTask<ServingIndex?> ServingAsync(CancellationToken cancellationToken) =>
        (_served ?? await AdoptAsync(cancellationToken).ConfigureAwait(false))?.Index;

    /// <summary>
    /// Rebuilds the index with the champion unless it already serves it. Returns the properties indexed, or null when the index
    /// was current.
    /// </summary>
    public async Task<int?> EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var champion = await models.ReloadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No champion of '{models.ModelName}' is deployed; nothing to encode properties with.");
        await _rebuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var served = _served ?? await AdoptAsync(cancellationToken).ConfigureAwait(false);
            if (served?.Version == VersionFor(champion.Version))
            {
                return null;
            }

            return await RebuildAsync(champion, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _rebuildGate.Release();
        }
    }

    /// <summary>
    /// Re-encodes one tenant's properties with the serving model into the serving version (admin repair). Builds the whole
    /// index first when none serves yet. Returns the tenant's properties indexed.
    /// </summary>
    public async Task<int> ReindexAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (await ServingModelAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            await EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
            return (int)await index.CountAsync(Space, tenantId, cancellationToken).ConfigureAwait(false);
        }

        var served = _served ?? throw new InvalidOperationException("No index is serving.");
        var total = 0;
        await foreach (var batch in BatchesAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            var points = await PointsAsync(served.Model.Model, batch, cancellationToken).ConfigureAwait(false);
            await index.UpsertAsync(Space, tenantId, points, cancellationToken).ConfigureAwait(false);
            total += points.Count;
        }

        metrics.Indexed(total);
        return total;
    }

    /// <summary>Encodes and upserts the given properties of one tenant (listing created or updated), into every live version.</summary>
    public async Task IndexAsync(string tenantId, IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        if (properties.Count == 0)
        {
            return;
        }

        if (await ServingModelAsync(cancellationToken).ConfigureAwait(false) is { } model)
        {
            var points = await PointsAsync(model.Model, properties, cancellationToken).ConfigureAwait(false);
            await index.UpsertAsync(Space, tenantId, points, cancellationToken).ConfigureAwait(false);
            metrics.Indexed(points.Count);
        }

        // Otherwise nothing is serving yet: the first build reads these properties from PostgreSQL.
        if (_building is { } building)
        {
            await building.Build.UpsertAsync(tenantId, await PointsAsync(building.Model.Model, properties, cancellationToken).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public async Task RemoveAsync(string tenantId, IReadOnlyCollection<string> propertyIds, CancellationToken cancellationToken)
    {
        await index.DeleteAsync(Space, tenantId, propertyIds, cancellationToken).ConfigureAwait(false);
        if (_building is not null)
        {
            // A build in progress may still pick the listing up from its scan; the next listing event or rebuild corrects it.
            logger.LogDebug("Removed {Count} properties of {Tenant} while a rebuild runs", propertyIds.Count, tenantId);
        }
    }

    private async Task<Served?> AdoptAsync(CancellationToken cancellationToken)
    {
        await index.EnsureSpaceAsync(Space, cancellationToken).ConfigureAwait(false);
        var version = await index.ServingVersionAsync(Space, cancellationToken).ConfigureAwait(false);
        var prefix = models.ModelName + "-v";
        if (version is null || !version.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(version.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var modelVersion))
        {
            return null;
        }

        var champion = models.Current ?? await models.GetAsync(cancellationToken).ConfigureAwait(false);
        LoadedModel<IServedTwin>? model = champion?.Version.Version == modelVersion ? champion : null;
        if (model is null && await registry.GetVersionAsync(models.ModelName, modelVersion, cancellationToken).ConfigureAwait(false) is { } registered)
        {
            var bytes = await registry.ReadModelFileAsync(registered, cancellationToken).ConfigureAwait(false);
            model = new LoadedModel<IServedTwin>(registered, loader.Load(bytes), DateTimeOffset.UtcNow);
        }

        if (model is null)
        {
            logger.LogWarning("The index serves {Version}, which the registry no longer has; it will be rebuilt", version);
            return null;
        }

        var adopted = new Served(model, version, Space);
        _served ??= adopted;
        logger.LogInformation("Serving the existing index version {Version}", version);
        return _served;
    }

    private async Task<int> RebuildAsync(LoadedModel<IServedTwin> champion, CancellationToken cancellationToken)
    {
        if (champion.Model.Dimension != Space.Dimension)
        {
            throw new InvalidOperationException(
                $"{models.ModelName} v{champion.Version.Version} embeds in {champion.Model.Dimension} dimensions; the index space is configured for {Space.Dimension} (PortfolioTwin:EmbeddingDimension).");
        }

        var version = VersionFor(champion.Version);
        var started = DateTimeOffset.UtcNow;
        await using var build = await index.BeginBuildAsync(Space, version, cancellationToken).ConfigureAwait(false);
        _building = new Building(champion, build);
        try
        {
            var total = 0;
            foreach (var tenantId in await store.TenantsAsync(cancellationToken).ConfigureAwait(false))
            {
                await foreach (var batch in BatchesAsync(tenantId, cancellationToken).ConfigureAwait(false))
                {
                    var points = await PointsAsync(champion.Model, batch, cancellationToken).ConfigureAwait(false);
                    await build.UpsertAsync(tenantId, points, cancellationToken).ConfigureAwait(false);
                    total += points.Count;
                }
            }

            await build.CommitAsync(cancellationToken).ConfigureAwait(false);
            _served = new Served(champion, version, Space);
            metrics.Indexed(total);
            logger.LogInformation("Index version {Version} serves: {Count} properties encoded in {Seconds:F1} s", version, total, (DateTimeOffset.UtcNow - started).TotalSeconds);
            return total;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Rebuilding the index as {Version} failed; {Serving} keeps serving", version, _served?.Version ?? "nothing");
            throw;
        }
        finally
        {
            _building = null;
        }
    }

    private async IAsyncEnumerable<List<Property>> BatchesAsync(string tenantId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batchSize = options.CurrentValue.IndexBatchSize;
        var batch = new List<Property>(batchSize);
        await foreach (var property in store.PropertiesAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            batch.Add(property);
            if (batch.Count == batchSize)
            {
                yield return batch;
                batch = new List<Property>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private async Task<IReadOnlyList<VectorPoint>> PointsAsync(IServedTwin model, IReadOnlyList<Property> properties, CancellationToken cancellationToken)
    {
        var estimates = await estimatedValues.EstimateAsync(properties, cancellationToken).ConfigureAwait(false);
        var vectors = model.Encode(properties, estimates);
        var points = new VectorPoint[properties.Count];
        for (var i = 0; i < points.Length; i++)
        {
            var p = properties[i];
            // The price filter reads the asking price; an unlisted property is filtered by its estimate when there is one.
            points[i] = new VectorPoint(p.PropertyId, vectors[i], PropertyVectorSpace.PayloadOf(p, p.ListingPrice ?? estimates[i] ?? 0));
        }

        return points;
    }

    private sealed record Served(LoadedModel<IServedTwin> Model, string Version, VectorSpace Space)
    {
        public ServingIndex Index { get; } = new(Model, Space.AtVersion(Version));
    }

    private sealed record Building(LoadedModel<IServedTwin> Model, IVectorSpaceBuild Build);
}

/// <summary>A model and the vector space pinned to the index version its embeddings fill.</summary>
public sealed record ServingIndex(LoadedModel<IServedTwin> Model, VectorSpace Space);
