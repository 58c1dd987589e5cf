namespace Platform.BuildingBlocks.VectorSearch.Embedded;

public sealed class EmbeddedVectorIndexOptions
{
    public const string SectionName = "VectorIndex:Embedded";

    /// <summary>Length of every vector (the Portfolio Twin's embedding size).</summary>
    public int Dimension { get; set; } = 16;

    /// <summary>Folder of the snapshot files; null or empty keeps the index in memory only.</summary>
    public string? DataDirectory { get; set; } = ".platform/vectors";

    /// <summary>How long after a change the snapshot is written, so a burst of upserts costs one write.</summary>
    public TimeSpan FlushDelay { get; set; } = TimeSpan.FromSeconds(2);
}
