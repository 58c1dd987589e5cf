namespace Platform.PortfolioTwin.Api.Contracts;

/// <summary><c>POST /predict</c>: how well one property suits one user.</summary>
public sealed record PredictRequest(string? UserId, PropertyFeaturesInput? PropertyFeatures);

/// <summary>Affinity in [0, 1] (cosine similarity mapped), confidence in [0, 1].</summary>
public sealed record PredictResponse(string UserId, double AffinityScore, double Confidence, string UserSource, int ModelVersion);

/// <summary><c>POST /batch_predict</c>: one user, many properties.</summary>
public sealed record BatchPredictRequest(string? UserId, IReadOnlyList<PropertyFeaturesInput?>? Properties);

public sealed record PropertyPrediction(int Index, string? PropertyId, double AffinityScore, double Confidence);

public sealed record BatchPredictResponse(string UserId, string UserSource, int ModelVersion, IReadOnlyList<PropertyPrediction> Predictions);

/// <summary>
/// Conditions every recommended or similar property satisfies; applied inside the vector index. <c>status</c> defaults to
/// <c>active</c>; send <c>"any"</c> to include sold and withdrawn listings.
/// </summary>
public sealed record SearchFilters
{
    public IReadOnlyList<string>? PropertyTypes { get; init; }
    public double? MinPrice { get; init; }
    public double? MaxPrice { get; init; }
    public int? MinBedrooms { get; init; }
    public int? MaxBedrooms { get; init; }
    public GeoRadiusInput? Near { get; init; }
    public string? Status { get; init; }
}

public sealed record GeoRadiusInput(double? Latitude, double? Longitude, double? RadiusKm);

/// <summary><c>POST /recommend</c>: the user's best matches among the tenant's properties (or among the candidates named).</summary>
public sealed record RecommendRequest(string? UserId, int? TopK, IReadOnlyList<string>? CandidatePropertyIds, SearchFilters? Filters);

/// <summary>A ranked property: <c>score</c> is the cosine similarity, <c>affinity_score</c> the same mapped to [0, 1].</summary>
public sealed record ScoredProperty(
    string PropertyId,
    double Score,
    double AffinityScore,
    string PropertyType,
    double Price,
    int Bedrooms,
    double Latitude,
    double Longitude,
    string Status);

public sealed record RecommendResponse(string UserId, string UserSource, int ModelVersion, int Excluded, IReadOnlyList<ScoredProperty> Results);

/// <summary><c>POST /similar</c>: look-alikes of an indexed property, of described features, or of a 16-d vector.</summary>
public sealed record SimilarRequest(string? PropertyId, PropertyFeaturesInput? PropertyFeatures, float[]? Vector, int? TopK, SearchFilters? Filters);

public sealed record SimilarResponse(string? PropertyId, int ModelVersion, IReadOnlyList<ScoredProperty> Results);

/// <summary><c>POST /embedding</c>: the encoder's unit vector of a property.</summary>
public sealed record EmbeddingRequest(PropertyFeaturesInput? PropertyFeatures);

public sealed record EmbeddingResponse(IReadOnlyList<float> Embedding, int Dimension, int ModelVersion);

/// <summary>One input feature's share of a match score; positive pulls the property towards the user.</summary>
public sealed record FeatureContributionResponse(string Feature, double Value, double Contribution);

public sealed record ExplainResponse(
    string UserId,
    string PropertyId,
    double AffinityScore,
    string UserSource,
    int ModelVersion,
    IReadOnlyList<FeatureContributionResponse> Contributions);

/// <summary>One user–property interaction as ingested over HTTP or pub/sub. <c>kind</c>: view, like, dislike, outreach, deal.</summary>
public sealed record InteractionInput
{
    public string? EventId { get; init; }
    public string? TenantId { get; init; }
    public string? UserId { get; init; }
    public string? PropertyId { get; init; }
    public string? Kind { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
}

public sealed record InteractionBatchRequest(IReadOnlyList<InteractionInput?>? Interactions);

/// <summary><c>stored</c> counts new rows; <c>duplicates</c> the events already stored (redeliveries).</summary>
public sealed record InteractionBatchResponse(int Received, int Stored, int Duplicates, int UsersRefreshed);

/// <summary>
/// The <c>properties</c> topic's payload: a listing created, updated or removed. Created/updated carry the property, or
/// only its id (the service then reads it from PostgreSQL).
/// </summary>
public sealed record PropertyChangedEvent(string? TenantId, string? PropertyId, string? Change, PropertyFeaturesInput? Property);

public static class PropertyChanges
{
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Removed = "removed";
}
