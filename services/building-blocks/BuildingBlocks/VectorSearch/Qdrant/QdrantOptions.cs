namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>Settings of the Qdrant adapter (configuration section <c>VectorIndex:Qdrant</c>), checked at start.</summary>
public sealed class QdrantOptions
{
    public const string SectionName = "VectorIndex:Qdrant";

    /// <summary>Qdrant's gRPC endpoint (port 6334, not the REST port 6333), e.g. http://localhost:6334.</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as the <c>api-key</c> header on every call; leave empty for an unsecured local Qdrant.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Deadline of every call; a call past it fails with <see cref="TimeoutException"/> (after retries when idempotent).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of an idempotent call that failed with Unavailable or DeadlineExceeded.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; it doubles each attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Points per upsert request: large enough to amortise round trips, small enough to keep requests modest.</summary>
    public int UpsertBatchSize { get; set; } = 256;

    /// <summary>Upsert requests in flight at once for one call (each waits until Qdrant applied it).</summary>
    public int UpsertConcurrency { get; set; } = 4;

    /// <summary>The largest top-k a search or recommend may ask for.</summary>
    public int MaxLimit { get; set; } = VectorIndexGuards.DefaultMaxLimit;

    /// <summary>Recommend strategy when a query names none.</summary>
    public RecommendStrategy DefaultStrategy { get; set; } = RecommendStrategy.AverageVector;

    /// <summary>How long a replaced version stays after the alias moved, so queries that resolved it just before finish.</summary>
    public TimeSpan OldVersionGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>HNSW graph and search settings of the collections this adapter creates.</summary>
    public QdrantHnswOptions Hnsw { get; set; } = new();
}

/// <summary>
/// Qdrant's HNSW knobs. Below <see cref="FullScanThresholdKb"/> a segment is scanned exactly (about 160k 16-d points at the
/// default), so results at our scale are exact unless configured otherwise.
/// </summary>
public sealed class QdrantHnswOptions
{
    /// <summary>Edges per node (<c>m</c>).</summary>
    public int M { get; set; } = 16;

    /// <summary>Neighbours considered while building (<c>ef_construct</c>).</summary>
    public int EfConstruct { get; set; } = 100;

    /// <summary>Edges per node of the payload-aware graph for tenant-filtered search (<c>payload_m</c>); 0 keeps Qdrant's default.</summary>
    public int PayloadM { get; set; } = 16;

    /// <summary>Segment size in KB below which Qdrant scans instead of using the graph (<c>full_scan_threshold</c>).</summary>
    public int FullScanThresholdKb { get; set; } = 10_000;

    /// <summary>Neighbours considered while searching (<c>hnsw_ef</c>); null lets Qdrant choose.</summary>
    public int? HnswEf { get; set; }

    /// <summary>Force an exact search (<c>exact</c>), bypassing the graph.</summary>
    public bool Exact { get; set; }
}
