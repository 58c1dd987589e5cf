using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Indexing;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>A user as the scorer sees them: a unit vector, where it came from, and the properties never to recommend again.</summary>
public sealed record ResolvedUser(string UserId, float[] Vector, UserSource Source, int InteractionCount, IReadOnlyCollection<string> DealtOrDisliked);

/// <summary>
/// Finds a user's vector in order: a vector folded in since the serving model was trained (fresh interactions win), the trained
/// embedding, a fold-in of the user's interactions (cold start), the tenant's popular properties for a known user with no
/// history. A user none of these knows is unknown (404). Only the user's most recent signals are read
/// (<see cref="PortfolioTwinOptions.RecentSignalsPerUser"/>), so a long history costs no more than a short one, and a user asking
/// again within <see cref="PortfolioTwinOptions.RecentSignalsCacheSeconds"/> is answered without reading them at all.
/// </summary>
public sealed class UserVectorResolver(
    ITwinDataStore store, IVectorIndex index, UserVectorCache cache, RecentSignalsCache signals, IOptionsMonitor<PortfolioTwinOptions> options)
{
    private const int PopularProperties = 50;

    /// <summary>The user's vector under <paramref name="serving"/>'s model, folding in from property vectors of its index version.</summary>
    public async Task<ResolvedUser?> ResolveAsync(string tenantId, string userId, ServingIndex serving, CancellationToken cancellationToken)
    {
        var model = serving.Model;
        IReadOnlyList<Interaction>? interactions = null;
        if (signals.Get(tenantId, userId) is not { } recent)
        {
            (interactions, recent) = await ReadSignalsAsync(tenantId, userId, cancellationToken).ConfigureAwait(false);
        }

        if (cache.Get(tenantId, userId, model.Version.Version) is { } folded)
        {
            return new ResolvedUser(userId, folded.Vector, folded.Source, recent.InteractionCount, recent.DealtOrDisliked);
        }

        if (model.Model.TrainedUserEmbedding(tenantId, userId) is { } trained)
        {
            return new ResolvedUser(userId, trained, UserSource.Trained, recent.InteractionCount, recent.DealtOrDisliked);
        }

        // Folding in needs the interactions themselves, which the cached summary does not keep.
        interactions ??= (await ReadSignalsAsync(tenantId, userId, cancellationToken).ConfigureAwait(false)).Interactions;
        var computed = await FoldInAsync(tenantId, userId, interactions, serving, cancellationToken).ConfigureAwait(false);
        return computed is null ? null : new ResolvedUser(userId, computed.Vector, computed.Source, recent.InteractionCount, recent.DealtOrDisliked);
    }

    /// <summary>Recomputes a user's vector after new interactions, so it serves until the next training. Null for an unknown user.</summary>
    public async Task<FoldedUserVector?> RefreshAsync(string tenantId, string userId, ServingIndex serving, CancellationToken cancellationToken)
    {
        var (interactions, _) = await ReadSignalsAsync(tenantId, userId, cancellationToken).ConfigureAwait(false);
        cache.Remove(tenantId, userId);
        return await FoldInAsync(tenantId, userId, interactions, serving, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The user got new interactions: the next request reads their signals again.</summary>
    public void Invalidate(string tenantId, string userId) => signals.Invalidate(tenantId, userId);

    private async Task<FoldedUserVector?> FoldInAsync(
        string tenantId, string userId, IReadOnlyList<Interaction> interactions, ServingIndex serving, CancellationToken cancellationToken)
    {
        var model = serving.Model;
        if (interactions.Count > 0)
        {
            var touched = await VectorsOfAsync(serving.Space, tenantId, [.. interactions.Select(i => (i.PropertyId, i.Kind))], cancellationToken).ConfigureAwait(false);
            if (model.Model.FoldIn(touched) is { } vector)
            {
                return Remember(tenantId, userId, new FoldedUserVector(vector, model.Version.Version, UserSource.FoldedIn));
            }
        }

        if (interactions.Count == 0 && !await store.UserExistsAsync(tenantId, userId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // Known, but nothing to learn from: the tenant's popular properties stand in, flagged as such.
        var popular = await store.PopularPropertyIdsAsync(tenantId, PopularProperties, cancellationToken).ConfigureAwait(false);
        var liked = await VectorsOfAsync(serving.Space, tenantId, [.. popular.Select(id => (id, InteractionKind.Like))], cancellationToken).ConfigureAwait(false);
        return model.Model.FoldIn(liked) is { } fallback
            ? Remember(tenantId, userId, new FoldedUserVector(fallback, model.Version.Version, UserSource.Popularity))
            : null;
    }

    private FoldedUserVector Remember(string tenantId, string userId, FoldedUserVector vector)
    {
        cache.Set(tenantId, userId, vector);
        return vector;
    }

    /// <summary>The user's newest signals from the store, remembered (unless an invalidation came after the read began).</summary>
    private async Task<(IReadOnlyList<Interaction> Interactions, RecentSignals Signals)> ReadSignalsAsync(
        string tenantId, string userId, CancellationToken cancellationToken)
    {
        var readStarted = signals.ReadStarting();
        var interactions = await store.RecentInteractionsOfUserAsync(tenantId, userId, options.CurrentValue.RecentSignalsPerUser, cancellationToken)
            .ConfigureAwait(false);
        var recent = new RecentSignals(interactions.Count, DealtOrDisliked(interactions));
        // No signals may mean an unknown user: ids that exist nowhere must not fill the cache.
        if (interactions.Count > 0)
        {
            signals.Set(tenantId, userId, recent, readStarted);
        }

        return (interactions, recent);
    }

    private static HashSet<string> DealtOrDisliked(IReadOnlyList<Interaction> interactions)
    {
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var interaction in interactions)
        {
            if (interaction.Kind is InteractionKind.Deal or InteractionKind.Dislike)
            {
                excluded.Add(interaction.PropertyId);
            }
        }

        return excluded;
    }

    /// <summary>The property vectors of what the user touched, fetched from the index in one call.</summary>
    private async Task<List<(float[] PropertyVector, InteractionKind Kind)>> VectorsOfAsync(
        VectorSpace space, string tenantId, IReadOnlyList<(string PropertyId, InteractionKind Kind)> touched, CancellationToken cancellationToken)
    {
        var ids = touched.Select(t => t.PropertyId).Distinct(StringComparer.Ordinal).ToList();
        var points = await index.GetManyAsync(space, tenantId, ids, cancellationToken).ConfigureAwait(false);
        var vectorById = points.ToDictionary(p => p.Id, p => p.Vector, StringComparer.Ordinal);
        var vectors = new List<(float[], InteractionKind)>(touched.Count);
        foreach (var (propertyId, kind) in touched)
        {
            // Properties missing from the index (removed listings) carry no signal any more.
            if (vectorById.TryGetValue(propertyId, out var vector))
            {
                vectors.Add((vector, kind));
            }
        }

        return vectors;
    }
}
