using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Data;
using Platform.PortfolioTwin.Api.Indexing;
using Platform.PortfolioTwin.Api.Valuation;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>
/// The twin's answers: affinity of a user to properties, recommendations and look-alikes from the vector index (filters applied
/// inside the index), embeddings and explanations. Throws <see cref="TwinRequestException"/> for what the caller got wrong.
/// </summary>
public sealed class TwinScoringService(
    TenantChampions<IServedTwin> models,
    PropertyIndexer indexer,
    UserVectorResolver users,
    IVectorIndex index,
    ITwinDataStore store,
    IEstimatedValueProvider estimatedValues,
    PortfolioTwinMetrics metrics,
    IOptionsMonitor<PortfolioTwinOptions> options,
    TimeProvider time)
{
    private const int ExplainedFeatures = 10;

    public PortfolioTwinOptions Options => options.CurrentValue;

    /// <summary>
    /// The model to answer the tenant with: the one the tenant's vector index was built with, so user vectors and property
    /// vectors share one space (a newer champion serves once its index is complete); the tenant's champion itself while no
    /// index exists yet; never another tenant's model (503 while the tenant has none).
    /// </summary>
    public async ValueTask<LoadedModel<IServedTwin>> ModelAsync(string tenantId, CancellationToken cancellationToken) =>
        (await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false)).Model;

    /// <summary>The tenant's model with its index space pinned to its version: every read of one request goes through this pair.</summary>
    private async ValueTask<ServingIndex> ServingAsync(string tenantId, CancellationToken cancellationToken) =>
        await indexer.ServingAsync(tenantId, cancellationToken).ConfigureAwait(false)
        ?? new ServingIndex(
            await models.RequireAsync(tenantId, cancellationToken).ConfigureAwait(false),
            indexer.SpaceFor(tenantId));

    public async Task<PredictResponse> PredictAsync(string tenantId, PredictRequest request, CancellationToken cancellationToken)
    {
        var userId = RequireUserId(request.UserId);
        var errors = new List<FieldError>();
        var property = PropertyFeaturesValidator.Validate(request.PropertyFeatures, tenantId, "property_features", errors, time);
        ThrowIfAny(errors);

        var serving = await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var model = serving.Model;
        var user = await ResolveUserAsync(tenantId, userId, serving, cancellationToken).ConfigureAwait(false);
        var vector = (await EncodeAsync(model.Model, [property!], [request.PropertyFeatures!.EstimatedValue], cancellationToken).ConfigureAwait(false))[0];
        var (affinity, confidence) = model.Model.Score(user.Vector, user.InteractionCount, vector);
        metrics.Predicted(1, user.Source);
        return new PredictResponse(userId, affinity, confidence, user.Source.WireName(), model.Version.Version);
    }

    public async Task<BatchPredictResponse> BatchPredictAsync(string tenantId, BatchPredictRequest request, CancellationToken cancellationToken)
    {
        var userId = RequireUserId(request.UserId);
        var inputs = request.Properties ?? throw TwinRequestException.Invalid("properties", "Required: an array of property features.");
        if (inputs.Count == 0)
        {
            throw TwinRequestException.Invalid("properties", "At least one property is required.");
        }

        if (inputs.Count > Options.BatchLimit)
        {
            throw TwinRequestException.TooMany("properties", inputs.Count, Options.BatchLimit);
        }

        var errors = new List<FieldError>();
        var properties = inputs.Select((input, i) => PropertyFeaturesValidator.Validate(input, tenantId, $"properties[{i}]", errors, time)).ToList();
        ThrowIfAny(errors);

        var serving = await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var model = serving.Model;
        var user = await ResolveUserAsync(tenantId, userId, serving, cancellationToken).ConfigureAwait(false);
        var vectors = await EncodeAsync(model.Model, properties!, [.. inputs.Select(i => i!.EstimatedValue)], cancellationToken).ConfigureAwait(false);
        var predictions = vectors.Select((vector, i) =>
        {
            var (affinity, confidence) = model.Model.Score(user.Vector, user.InteractionCount, vector);
            return new PropertyPrediction(i, inputs[i]!.PropertyId, affinity, confidence);
        }).ToList();
        metrics.Predicted(predictions.Count, user.Source);
        return new BatchPredictResponse(userId, user.Source.WireName(), model.Version.Version, predictions);
    }

    public async Task<RecommendResponse> RecommendAsync(string tenantId, RecommendRequest request, CancellationToken cancellationToken)
    {
        var userId = RequireUserId(request.UserId);
        var errors = new List<FieldError>();
        var topK = TopK(request.TopK, errors);
        var conditions = SearchFilterMapper.ToConditions(request.Filters, errors);
        if (request.CandidatePropertyIds is { } candidates)
        {
            if (candidates.Count == 0 || candidates.Count > Options.MaxCandidates || candidates.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add(new FieldError("candidate_property_ids", $"When given: 1 to {Options.MaxCandidates} non-empty property ids."));
            }
            else if (IdErrors(candidates, "candidate_property_ids", errors) == 0)
            {
                conditions.Add(new HasIdCondition(candidates.ToHashSet(StringComparer.Ordinal)));
            }
        }

        ThrowIfAny(errors);
        var serving = await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var model = serving.Model;
        var user = await ResolveUserAsync(tenantId, userId, serving, cancellationToken).ConfigureAwait(false);
        var filter = new VectorFilter
        {
            Must = conditions,
            MustNot = user.DealtOrDisliked.Count > 0 ? [new HasIdCondition(user.DealtOrDisliked)] : [],
        };
        var hits = await index.SearchAsync(serving.Space, new VectorQuery(tenantId, user.Vector, topK) { Filter = filter }, cancellationToken).ConfigureAwait(false);
        metrics.Recommended(hits.Count, user.Source);
        return new RecommendResponse(userId, user.Source.WireName(), model.Version.Version, user.DealtOrDisliked.Count, [.. hits.Select(ToScored)]);
    }

    public async Task<SimilarResponse> SimilarAsync(string tenantId, SimilarRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var topK = TopK(request.TopK, errors);
        var conditions = SearchFilterMapper.ToConditions(request.Filters, errors);
        TwinFieldRules.OptionalId(request.PropertyId, "property_id", errors);
        var given = (request.PropertyId is not null ? 1 : 0) + (request.PropertyFeatures is not null ? 1 : 0) + (request.Vector is not null ? 1 : 0);
        if (given != 1)
        {
            errors.Add(new FieldError("property_id", "Send exactly one of property_id, property_features or vector."));
        }

        Property? described = null;
        if (request.PropertyFeatures is not null)
        {
            described = PropertyFeaturesValidator.Validate(request.PropertyFeatures, tenantId, "property_features", errors, time);
        }

        ThrowIfAny(errors);
        var serving = await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var model = serving.Model;
        float[] query;
        var filter = new VectorFilter { Must = conditions };
        if (request.PropertyId is { } propertyId)
        {
            var point = await index.GetAsync(serving.Space, tenantId, propertyId, cancellationToken).ConfigureAwait(false)
                ?? throw TwinRequestException.UnknownProperty(propertyId, "property_id");
            query = point.Vector;
            filter = filter with { MustNot = [new HasIdCondition([propertyId])] };
        }
        else if (described is not null)
        {
            query = (await EncodeAsync(model.Model, [described], [request.PropertyFeatures!.EstimatedValue], cancellationToken).ConfigureAwait(false))[0];
        }
        else
        {
            query = UnitVector(request.Vector!, model.Model.Dimension);
        }

        var hits = await index.SearchAsync(serving.Space, new VectorQuery(tenantId, query, topK) { Filter = filter }, cancellationToken).ConfigureAwait(false);
        return new SimilarResponse(request.PropertyId, model.Version.Version, [.. hits.Select(ToScored)]);
    }

    public async Task<EmbeddingResponse> EmbedAsync(string tenantId, EmbeddingRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var property = PropertyFeaturesValidator.Validate(request.PropertyFeatures, tenantId, "property_features", errors, time);
        ThrowIfAny(errors);
        var model = await ModelAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var vector = (await EncodeAsync(model.Model, [property!], [request.PropertyFeatures!.EstimatedValue], cancellationToken).ConfigureAwait(false))[0];
        return new EmbeddingResponse(vector, vector.Length, model.Version.Version);
    }

    public async Task<ExplainResponse> ExplainAsync(string tenantId, string userId, string propertyId, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        TwinFieldRules.RequiredId(userId, "user_id", errors);
        TwinFieldRules.RequiredId(propertyId, "property_id", errors);
        ThrowIfAny(errors);
        var serving = await ServingAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var model = serving.Model;
        var user = await ResolveUserAsync(tenantId, userId, serving, cancellationToken).ConfigureAwait(false);
        var property = await store.GetPropertyAsync(tenantId, propertyId, cancellationToken).ConfigureAwait(false)
            ?? throw TwinRequestException.UnknownProperty(propertyId, "property_id");
        var estimate = (await estimatedValues.EstimateAsync([property], cancellationToken).ConfigureAwait(false))[0];
        var vector = model.Model.Encode([property], [estimate])[0];
        var contributions = model.Model.Explain(user.Vector, property, estimate, ExplainedFeatures);
        return new ExplainResponse(userId, propertyId, model.Model.Score(user.Vector, user.InteractionCount, vector).Affinity, user.Source.WireName(), model.Version.Version,
            [.. contributions.Select(c => new FeatureContributionResponse(c.Feature, c.Value, c.Contribution))]);
    }

    private async Task<float[][]> EncodeAsync(IServedTwin model, IReadOnlyList<Property> properties, IReadOnlyList<double?> given, CancellationToken cancellationToken)
    {
        var missing = Enumerable.Range(0, properties.Count).Where(i => given[i] is null).ToList();
        var values = given.ToArray();
        if (missing.Count > 0)
        {
            var estimated = await estimatedValues.EstimateAsync([.. missing.Select(i => properties[i])], cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < missing.Count; j++)
            {
                values[missing[j]] = estimated[j];
            }
        }

        var vectors = model.Encode(properties, values);
        for (var i = 0; i < vectors.Length; i++)
        {
            // The validator's ranges keep every feature finite; this keeps a NaN out of a response should a combination slip through.
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(vectors[i]))
            {
                throw TwinRequestException.Invalid(properties.Count == 1 ? "property_features" : $"properties[{i}]",
                    "These features give no finite embedding; check the areas and prices for values out of proportion.");
            }
        }

        return vectors;
    }

    private async Task<ResolvedUser> ResolveUserAsync(string tenantId, string userId, ServingIndex serving, CancellationToken cancellationToken) =>
        await users.ResolveAsync(tenantId, userId, serving, cancellationToken).ConfigureAwait(false) ?? throw TwinRequestException.UnknownUser(userId);

    private int TopK(int? requested, List<FieldError> errors)
    {
        var topK = requested ?? Options.DefaultTopK;
        if (topK < 1 || topK > Options.MaxTopK)
        {
            errors.Add(new FieldError("top_k", $"{topK} is outside [1, {Options.MaxTopK}]."));
        }

        return topK;
    }

    private static float[] UnitVector(float[] vector, int dimension)
    {
        if (vector.Length != dimension)
        {
            throw TwinRequestException.Invalid("vector", $"Has {vector.Length} components; the model's embeddings have {dimension}.");
        }

        if (vector.Any(v => !float.IsFinite(v)))
        {
            throw TwinRequestException.Invalid("vector", "Every component must be a finite number.");
        }

        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm))
        {
            throw TwinRequestException.Invalid("vector", "The vector's length overflows a float; scale it down (only its direction counts).");
        }

        if (norm < 1e-6f)
        {
            throw TwinRequestException.Invalid("vector", "The zero vector has no direction to search along.");
        }

        var unit = new float[vector.Length];
        System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    private static string RequireUserId(string? userId)
    {
        var errors = new List<FieldError>();
        TwinFieldRules.RequiredId(userId, "user_id", errors);
        ThrowIfAny(errors);
        return userId!;
    }

    private static int IdErrors(IReadOnlyList<string> ids, string field, List<FieldError> errors)
    {
        var before = errors.Count;
        for (var i = 0; i < ids.Count; i++)
        {
            TwinFieldRules.OptionalId(ids[i], $"{field}[{i}]", errors);
        }

        return errors.Count - before;
    }

    private static void ThrowIfAny(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw TwinRequestException.Invalid(errors);
        }
    }

    private static ScoredProperty ToScored(VectorHit hit)
    {
        var (type, price, bedrooms, latitude, longitude, status) = PropertyVectorSpace.Read(hit.Payload);
        return new(hit.Id, hit.Score, Math.Clamp((hit.Score + 1.0) / 2.0, 0.0, 1.0), type, price, bedrooms, latitude, longitude, status);
    }
}
