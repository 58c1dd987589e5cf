namespace Platform.BuildingBlocks.VectorSearch;

/// <summary>
/// Similarity search over embeddings, knowing nothing of what the points are: the caller declares a <see cref="VectorSpace"/>
/// (dimension and typed payload fields) and filters on those fields. Qdrant in production (Qdrant.Client, gRPC), an embedded
/// exact index by default.
/// <para>
/// Multitenancy: one collection per embedding space; every call names its tenant, and no call reads or writes another
/// tenant's points. Re-indexing: <see cref="BeginBuildAsync"/> fills a new version aside while readers keep the old one, and
/// <see cref="IVectorSpaceBuild.CommitAsync"/> switches the space's alias to it at once. Calls on a space pinned with
/// <see cref="VectorSpace.AtVersion"/> address that version (the serving one, or the one replaced less than the grace period
/// ago), so one request never reads two versions.
/// </para>
/// <para>
/// Errors: bad input (wrong dimension, NaN/∞, an undeclared field, a negative radius, a limit outside 1..max) throws
/// <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> names the field, before anything is written;
/// an example id the tenant lacks throws <see cref="KeyNotFoundException"/>; a backend past its deadline throws
/// <see cref="TimeoutException"/>; a backend that cannot be reached throws <see cref="VectorIndexUnavailableException"/>.
/// </para>
/// </summary>
public interface IVectorIndex
{
    /// <summary>
    /// Makes sure the space exists (an empty first version behind its alias when it does not) with the declared payload
    /// indexes, and that an existing one has the declared dimension. Safe to call from several replicas at once.
    /// </summary>
    Task EnsureSpaceAsync(VectorSpace space, CancellationToken cancellationToken = default);

    /// <summary>The version the space serves now (the one its alias points at), or null when the space does not exist.</summary>
    Task<string?> ServingVersionAsync(VectorSpace space, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts or replaces points of one tenant in the serving version (vectors are stored normalised). The whole batch is
    /// validated first; nothing is written when any point is bad.
    /// </summary>
    Task UpsertAsync(VectorSpace space, string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default);

    Task DeleteAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    Task<VectorPoint?> GetAsync(VectorSpace space, string tenantId, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's points with the given ids in one call, in the order of <paramref name="ids"/>; ids the tenant lacks are
    /// left out, and an id named twice is returned once.
    /// </summary>
    Task<IReadOnlyList<VectorPoint>> GetManyAsync(VectorSpace space, string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    Task<long> CountAsync(VectorSpace space, string tenantId, CancellationToken cancellationToken = default);

    /// <summary>The tenant's nearest points by cosine similarity, filtered inside the index (before the top-k cut).</summary>
    Task<IReadOnlyList<VectorHit>> SearchAsync(VectorSpace space, VectorQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Points like the positive examples and unlike the negative ones (Qdrant's recommend semantics for the chosen strategy).
    /// The examples themselves are never returned.
    /// </summary>
    Task<IReadOnlyList<VectorHit>> RecommendAsync(VectorSpace space, RecommendQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts building <paramref name="version"/> of the space aside (e.g. <c>twin-v7</c>: model and version). Readers keep the
    /// serving version until <see cref="IVectorSpaceBuild.CommitAsync"/>; disposing an uncommitted build discards it.
    /// </summary>
    Task<IVectorSpaceBuild> BeginBuildAsync(VectorSpace space, string version, CancellationToken cancellationToken = default);
}

/// <summary>A version of a space being filled aside; nobody reads it until it is committed.</summary>
public interface IVectorSpaceBuild : IAsyncDisposable
{
    string Version { get; }

    /// <summary>Same checks and semantics as <see cref="IVectorIndex.UpsertAsync"/>, into the version being built.</summary>
    Task UpsertAsync(string tenantId, IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default);

    /// <summary>
    /// Switches the space's alias to this version in one atomic step; the previous version is dropped after the configured
    /// grace period (readers that resolved it just before the switch finish on it).
    /// </summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>The backend could not be reached (after retries); nothing is known to have been written.</summary>
public sealed class VectorIndexUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
