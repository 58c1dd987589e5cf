using Microsoft.Extensions.Logging;
using Platform.BuildingBlocks.Messaging;

namespace Platform.BuildingBlocks.Registry;

/// <summary>A model in memory together with the registry version it was loaded from.</summary>
public sealed record LoadedModel<TModel>(ModelVersion Version, TModel Model, DateTimeOffset LoadedAt);

/// <summary>
/// Published when an alias of a tenant's model moves; services holding that tenant's model reload it at once (only that
/// tenant's). An event without a tenant (published before models were per tenant) reloads every tenant's.
/// </summary>
public sealed record ModelDeployed(string ModelName, int Version, string Alias, string? TenantId = null);

/// <summary>
/// Serves the champion of one tenant's model: cached with a TTL, reloaded at once on <see cref="ModelDeployed"/>. A reload builds the
/// new model completely before one reference swap, so a request never sees a half-loaded model; a corrupt or unloadable
/// artifact leaves the previous model serving and is reported in <see cref="LastError"/>.
/// </summary>
public sealed class ChampionModelCache<TModel>(
    ModelRegistry registry,
    string tenantId,
    string modelName,
    Func<byte[], TModel> load,
    TimeSpan timeToLive,
    TimeProvider time,
    ILogger logger,
    string alias = ModelRegistry.Champion)
    where TModel : class
{
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private volatile LoadedModel<TModel>? _current;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    public string TenantId => tenantId;

    public string ModelName => modelName;

    /// <summary>The alias this cache serves: <c>champion</c>, or <c>challenger</c> for canary and shadow releases.</summary>
    public string Alias => alias;

    /// <summary>How long a resolved alias is trusted before <see cref="GetAsync"/> (and the refresher) read it again.</summary>
    public TimeSpan TimeToLive => timeToLive;

    /// <summary>Retry-After of the 503 answered while nothing is loaded (<see cref="RequireAsync"/>).</summary>
    public int RetryAfterSeconds { get; init; } = 10;

    /// <summary>The model serving now, without touching the registry (hot path).</summary>
    public LoadedModel<TModel>? Current => _current;

    public string? LastError { get; private set; }

    /// <summary>The serving model, refreshed from the registry first when the TTL has run out.</summary>
    public async ValueTask<LoadedModel<TModel>?> GetAsync(CancellationToken cancellationToken = default)
    {
        if (time.GetUtcNow() - _checkedAt >= timeToLive)
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }

        return _current;
    }

    /// <summary>The serving model, or <see cref="ModelNotDeployedException"/> (a 503 with Retry-After) while there is none.</summary>
    public async ValueTask<LoadedModel<TModel>> RequireAsync(CancellationToken cancellationToken = default) =>
        _current
        ?? await GetAsync(cancellationToken).ConfigureAwait(false)
        ?? throw new ModelNotDeployedException(modelName, RetryAfterSeconds, tenantId);

    /// <summary>Loads the registry's champion if it differs from the one serving. Returns the model serving afterwards.</summary>
    public async Task<LoadedModel<TModel>?> ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _checkedAt = time.GetUtcNow();
            var champion = await registry.ResolveAsync(tenantId, modelName, alias, cancellationToken).ConfigureAwait(false);
            if (champion is null || champion.Version == _current?.Version.Version)
            {
                return _current;
            }

            try
            {
                var bytes = await registry.ReadModelFileAsync(champion, cancellationToken).ConfigureAwait(false);
                _current = new LoadedModel<TModel>(champion, load(bytes), time.GetUtcNow());
                LastError = null;
                logger.LogInformation("Serving {Model} v{Version} as {Alias} of tenant {Tenant}", modelName, champion.Version, alias, tenantId);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LastError = $"{modelName} v{champion.Version} could not be loaded: {exception.Message}";
                logger.LogError(exception, "Keeping {Model} v{Serving} of tenant {Tenant} serving: v{Version} could not be loaded",
                    modelName, _current?.Version.Version, tenantId, champion.Version);
            }

            return _current;
        }
        finally
        {
            _reloadGate.Release();
        }
    }
}

/// <summary>
/// Reloads a tenant's champion when its model's alias moves (only that tenant's; every loaded tenant's for an event without
/// one), then asks the refresher to look too (a refresher that does more than reload, such as the twin's index maintenance,
/// reacts to the deployment that way).
/// </summary>
public sealed class ModelDeployedHandler<TModel>(TenantChampions<TModel> champions, IChampionRefresher<TModel>? refresher = null) : IEventHandler
    where TModel : class
{
    public string Topic => Topics.ModelDeployed;

    public async Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var deployed = cloudEvent.DataAs<ModelDeployed>();
        if (deployed is null)
        {
            return DeliveryResult.Drop;
        }

        if (deployed.ModelName != champions.ModelName || deployed.Alias != champions.Alias)
        {
            return DeliveryResult.Success;
        }

        if (deployed.TenantId is { } tenantId)
        {
            if (!Tenancy.TenantScope.IsValidId(tenantId))
            {
                return DeliveryResult.Drop;
            }

            await champions.For(tenantId).ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await champions.ReloadLoadedAsync(cancellationToken).ConfigureAwait(false);
        }

        refresher?.RequestRefresh(deployed.TenantId);
        return DeliveryResult.Success;
    }
}
