using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Serving;
using Platform.PortfolioTwin.Api.Valuation;

namespace Platform.PortfolioTwin.Api.Indexing;

/// <summary>
/// Keeps each tenant's vector index in step with its properties and its own champion model, with no moment where readers see a
/// half-filled index or two models mixed. Every tenant has a space of its own (<see cref="SpaceFor"/>), because every tenant
/// has a champion of its own: the space serves one version named after the model that encoded it (<c>twin-v7</c>, the tenant's
/// version 7), and the scorer uses exactly that model (<see cref="ServingAsync"/>). A tenant's new champion is indexed aside —
/// that tenant's properties into a new version of its space — and the space's alias switches to it in one step when it is
/// complete; only then does the new model serve that tenant. Other tenants are not touched. A failed rebuild discards the
/// version built aside and the old model and index keep serving. Listings that change meanwhile are written to both the
/// serving version and the one being built. At most <c>MaxLoadedTenants</c> tenants' serving models are held (least recently
/// used dropped; adopted again from the index on the tenant's next request).
/// </summary>
public sealed class PropertyIndexer(
    TenantChampions<IServedTwin> models,
    ModelRegistry registry,
    IModelLoader<IServedTwin> loader,
    ITwinDataStore store,
    IVectorIndex index,
    IEstimatedValueProvider estimatedValues,
    IOptionsMonitor<PortfolioTwinOptions> options,
    PortfolioTwinMetrics metrics,
    ILogger<PropertyIndexer> logger)
{
    private readonly ConcurrentDictionary<string, TenantIndex> _tenants = new(StringComparer.Ordinal);
    private long _uses;

    /// <summary>
    /// The tenant's space: <c>{IndexSpace}-t{16 hex digits of the SHA-256 of the tenant id}</c> — a name every backend accepts
    /// whatever the tenant id's case or length, and the same in every replica.
    /// </summary>
    public VectorSpace SpaceFor(string tenantId) => Tenant(tenantId).Space;

    /// <summary>The model whose embeddings the tenant's index serves now, or null before its first index is built or adopted.</summary>
    public LoadedModel<IServedTwin>? ServingModel(string tenantId) => Peek(tenantId)?.Served?.Model;

    /// <summary>The tenant's serving model with its space pinned to the index version, or null (see <see cref="ServingAsync"/>).</summary>
    public ServingIndex? Serving(string tenantId) => Peek(tenantId)?.Served?.Index;

    /// <summary>The tenant's index version serving now (e.g. <c>twin-v7</c>), or null.</summary>
    public string? ServingVersion(string tenantId) => Peek(tenantId)?.Served?.Version;

    public string VersionFor(ModelVersion model) => string.Create(CultureInfo.InvariantCulture, $"{models.ModelName}-v{model.Version}");

    public static string SpaceNameFor(string indexSpace, string tenantId) =>
        $"{indexSpace}-t{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId)))[..16]}";

    /// <summary>
    /// The model to score the tenant's requests with: the one its index was built with. A process that starts on an index built
    /// earlier (by itself or another replica) adopts it, loading that model version from the registry if the champion has moved on.
    /// </summary>
    public async ValueTask<LoadedModel<IServedTwin>?> ServingModelAsync(string tenantId, CancellationToken cancellationToken) =>
        (await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false))?.Model;

    /// <summary>
    /// The tenant's model and the space pinned to the index version built with it. A request takes this once and reads only
    /// through it, so a switch in the middle of the request cannot give it a user vector of one model and properties of another.
    /// </summary>
    public async ValueTask<ServingIndex?> ServingAsync(string tenantId, CancellationToken cancellationToken)
    {
        var tenant = Tenant(tenantId);
        return (tenant.Served ?? await AdoptAsync(tenantId, tenant, cancellationToken).ConfigureAwait(false))?.Index;
    }

    /// <summary>
    /// Rebuilds the tenant's index with its champion unless it already serves it. Returns the properties indexed, or null when
    /// the index was current.
    /// </summary>
    public async Task<int?> EnsureCurrentAsync(string tenantId, CancellationToken cancellationToken)
    {
        var champion = await models.For(tenantId).ReloadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No champion of '{models.ModelName}' is deployed for tenant '{tenantId}'; nothing to encode its properties with.");
        var tenant = Tenant(tenantId);
        await tenant.RebuildGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var served = tenant.Served ?? await AdoptAsync(tenantId, tenant, cancellationToken).ConfigureAwait(false);
            if (served?.Version == VersionFor(champion.Version))
            {
                return null;
            }

            return await RebuildAsync(tenantId, tenant, champion, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            tenant.RebuildGate.Release();
        }
    }

    /// <summary>
    /// Re-encodes one tenant's properties with its serving model into the serving version (admin repair). Builds the tenant's
    /// index first when none serves yet. Returns the tenant's properties indexed.
    /// </summary>
    public async Task<int> ReindexAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (await ServingModelAsync(tenantId, cancellationToken).ConfigureAwait(false) is null)
        {
            await EnsureCurrentAsync(tenantId, cancellationToken).ConfigureAwait(false);
            return (int)await index.CountAsync(SpaceFor(tenantId), tenantId, cancellationToken).ConfigureAwait(false);
        }

        var tenant = Tenant(tenantId);
        var served = tenant.Served ?? throw new InvalidOperationException($"No index is serving tenant '{tenantId}'.");
        var total = 0;
        await foreach (var batch in BatchesAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            var points = await PointsAsync(served.Model.Model, batch, cancellationToken).ConfigureAwait(false);
            await index.UpsertAsync(tenant.Space, tenantId, points, cancellationToken).ConfigureAwait(false);
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

        var tenant = Tenant(tenantId);
        if (await ServingModelAsync(tenantId, cancellationToken).ConfigureAwait(false) is { } model)
        {
            var points = await PointsAsync(model.Model, properties, cancellationToken).ConfigureAwait(false);
            await index.UpsertAsync(tenant.Space, tenantId, points, cancellationToken).ConfigureAwait(false);
            metrics.Indexed(points.Count);
        }

        // Otherwise nothing is serving the tenant yet: its first build reads these properties from PostgreSQL.
        if (tenant.Building is { } building)
        {
            await building.Build.UpsertAsync(tenantId, await PointsAsync(building.Model.Model, properties, cancellationToken).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
        }
    }

    public async Task RemoveAsync(string tenantId, IReadOnlyCollection<string> propertyIds, CancellationToken cancellationToken)
    {
        var tenant = Tenant(tenantId);
        await index.DeleteAsync(tenant.Space, tenantId, propertyIds, cancellationToken).ConfigureAwait(false);
        if (tenant.Building is not null)
        {
            // A build in progress may still pick the listing up from its scan; the next listing event or rebuild corrects it.
            logger.LogDebug("Removed {Count} properties of {Tenant} while a rebuild runs", propertyIds.Count, tenantId);
        }
    }

    /// <summary>The tenant's entry, created on first use; beyond the cap the least recently used idle tenant is dropped.</summary>
    private TenantIndex Tenant(string tenantId)
    {
        if (_tenants.TryGetValue(tenantId, out var existing))
        {
            existing.LastUsed = Interlocked.Increment(ref _uses);
            return existing;
        }

        var space = PropertyVectorSpace.Create(SpaceNameFor(options.CurrentValue.IndexSpace, tenantId), options.CurrentValue.EmbeddingDimension);
        var tenant = _tenants.GetOrAdd(tenantId, _ => new TenantIndex(space));
        tenant.LastUsed = Interlocked.Increment(ref _uses);
        var cap = options.CurrentValue.MaxLoadedTenants;
        while (_tenants.Count > cap)
        {
            var idle = _tenants.Where(pair => pair.Key != tenantId && pair.Value.Building is null).MinBy(pair => pair.Value.LastUsed);
            if (idle.Key is null || !_tenants.TryRemove(idle.Key, out _))
            {
                break;
            }
        }

        return tenant;
    }

    private TenantIndex? Peek(string tenantId) => _tenants.GetValueOrDefault(tenantId);

    private async Task<Served?> AdoptAsync(string tenantId, TenantIndex tenant, CancellationToken cancellationToken)
    {
        // A tenant without a champion of its own has nothing to serve: no space is created for it (a caller naming tenants at
        // random must not create indexes).
        var champion = await models.GetAsync(tenantId, cancellationToken).ConfigureAwait(false);
        if (champion is null)
        {
            return null;
        }

        await index.EnsureSpaceAsync(tenant.Space, cancellationToken).ConfigureAwait(false);
        var version = await index.ServingVersionAsync(tenant.Space, cancellationToken).ConfigureAwait(false);
        var prefix = models.ModelName + "-v";
        if (version is null || !version.StartsWith(prefix, StringComparison.Ordinal)
            || !int.TryParse(version.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var modelVersion))
        {
            return null;
        }

        LoadedModel<IServedTwin>? model = champion?.Version.Version == modelVersion ? champion : null;
        if (model is null && await registry.GetVersionAsync(tenantId, models.ModelName, modelVersion, cancellationToken).ConfigureAwait(false) is { } registered)
        {
            var bytes = await registry.ReadModelFileAsync(registered, cancellationToken).ConfigureAwait(false);
            model = new LoadedModel<IServedTwin>(registered, loader.Load(bytes), DateTimeOffset.UtcNow);
        }

        if (model is null)
        {
            logger.LogWarning("The index of tenant {Tenant} serves {Version}, which the registry no longer has; it will be rebuilt", tenantId, version);
            return null;
        }

        var adopted = new Served(model, version, tenant.Space);
        tenant.Served ??= adopted;
        logger.LogInformation("Serving the existing index version {Version} of tenant {Tenant}", version, tenantId);
        return tenant.Served;
    }

    private async Task<int> RebuildAsync(string tenantId, TenantIndex tenant, LoadedModel<IServedTwin> champion, CancellationToken cancellationToken)
    {
        if (champion.Model.Dimension != tenant.Space.Dimension)
        {
            throw new InvalidOperationException(
                $"{models.ModelName} v{champion.Version.Version} of tenant '{tenantId}' embeds in {champion.Model.Dimension} dimensions; the index space is configured for {tenant.Space.Dimension} (PortfolioTwin:EmbeddingDimension).");
        }

        var version = VersionFor(champion.Version);
        var started = DateTimeOffset.UtcNow;
        await using var build = await index.BeginBuildAsync(tenant.Space, version, cancellationToken).ConfigureAwait(false);
        tenant.Building = new Building(champion, build);
        try
        {
            var total = 0;
            await foreach (var batch in BatchesAsync(tenantId, cancellationToken).ConfigureAwait(false))
            {
                var points = await PointsAsync(champion.Model, batch, cancellationToken).ConfigureAwait(false);
                await build.UpsertAsync(tenantId, points, cancellationToken).ConfigureAwait(false);
                total += points.Count;
            }

            await build.CommitAsync(cancellationToken).ConfigureAwait(false);
            tenant.Served = new Served(champion, version, tenant.Space);
            metrics.Indexed(total);
            logger.LogInformation("Index version {Version} serves tenant {Tenant}: {Count} properties encoded in {Seconds:F1} s",
                version, tenantId, total, (DateTimeOffset.UtcNow - started).TotalSeconds);
            return total;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Rebuilding the index of tenant {Tenant} as {Version} failed; {Serving} keeps serving", tenantId, version, tenant.Served?.Version ?? "nothing");
            throw;
        }
        finally
        {
            tenant.Building = null;
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

    /// <summary>One tenant's space, the version serving it and the one being built aside.</summary>
    private sealed class TenantIndex(VectorSpace space)
    {
        private volatile Served? _served;
        private volatile Building? _building;

        public VectorSpace Space { get; } = space;

        public SemaphoreSlim RebuildGate { get; } = new(1, 1);

        public Served? Served
        {
            get => _served;
            set => _served = value;
        }

        public Building? Building
        {
            get => _building;
            set => _building = value;
        }

        public long LastUsed { get; set; }
    }
}

/// <summary>A model and the vector space pinned to the index version its embeddings fill.</summary>
public sealed record ServingIndex(LoadedModel<IServedTwin> Model, VectorSpace Space);
