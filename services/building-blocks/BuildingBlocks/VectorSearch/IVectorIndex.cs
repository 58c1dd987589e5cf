namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>A point in the index: an id, its (unit) vector and the payload the filters read.</summary>
public sealed record VectorPoint(string Id, float[] Vector, VectorPayload Payload);

/// <summary>The filterable fields of a property in the index. Every point belongs to one tenant.</summary>
public sealed record VectorPayload(
    string TenantId,
    string PropertyType,
    double Price,
    int Bedrooms,
    double Latitude,
    double Longitude,
    string Status);

/// <summary>A circle on the earth's surface.</summary>
public sealed record GeoRadius(double Latitude, double Longitude, double RadiusKm);

/// <summary>
/// Conditions every hit must satisfy; applied inside the index (pre-filtering), never after the top-k cut.
/// <see cref="TenantId"/> is required: there is no cross-tenant search.
/// </summary>
public sealed record VectorFilter(string TenantId)
{
    public IReadOnlyCollection<string>? PropertyTypes { get; init; }
    public double? MinPrice { get; init; }
    public double? MaxPrice { get; init; }
    public int? MinBedrooms { get; init; }
    public int? MaxBedrooms { get; init; }
    public GeoRadius? Radius { get; init; }
    public string? Status { get; init; }
    public IReadOnlyCollection<string>? ExcludeIds { get; init; }
    public IReadOnlyCollection<string>? OnlyIds { get; init; }
}

/// <summary>A search result: cosine similarity in [-1, 1].</summary>
public sealed record VectorHit(string Id, float Score, VectorPayload Payload);

/// <summary>Similarity search over property embeddings: Qdrant in production, an embedded exact index by default.</summary>
public interface IVectorIndex
{
    /// <summary>
    /// Inserts or replaces points (vectors are stored normalised). The whole batch is validated first: a wrong dimension,
    /// NaN/Infinity, a zero vector or a bad payload throws <see cref="ArgumentException"/> naming the point, and nothing is written.
    /// </summary>
    Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default);

    Task DeleteAsync(string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VectorHit>> SearchAsync(float[] vector, int limit, VectorFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Points like the positive examples and unlike the negative ones (Qdrant's average-vector strategy:
    /// 2·avg(positive) − avg(negative)). The examples themselves are never returned; an example id the tenant does not
    /// have throws <see cref="KeyNotFoundException"/>.
    /// </summary>
    Task<IReadOnlyList<VectorHit>> RecommendAsync(
        IReadOnlyList<string> positiveIds, IReadOnlyList<string> negativeIds, int limit, VectorFilter filter,
        CancellationToken cancellationToken = default);

    Task<VectorPoint?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default);

    Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default);
}
