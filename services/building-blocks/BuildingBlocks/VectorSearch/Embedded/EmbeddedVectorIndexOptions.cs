namespace Platform.BuildingBlocks.VectorSearch.Embedded;

public sealed class EmbeddedVectorIndexOptions
{
    public const string SectionName = "VectorIndex:Embedded";

    /// <summary>Folder of the snapshot files (one sub-folder per space and version); null or empty keeps the index in memory only.</summary>
    public string? DataDirectory { get; set; } = ".platform/vectors";

    /// <summary>How long after a change the snapshot is written, so a burst of upserts costs one write.</summary>
    public TimeSpan FlushDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest top-k a search or recommend may ask for.</summary>
    public int MaxLimit { get; set; } = VectorIndexGuards.DefaultMaxLimit;

    /// <summary>How long a replaced version stays readable by callers pinned to it (<see cref="VectorSpace.AtVersion"/>).</summary>
    public TimeSpan OldVersionGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Recommend strategy when a query names none.</summary>
    public RecommendStrategy DefaultStrategy { get; set; } = RecommendStrategy.AverageVector;
}
