namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

public sealed class QdrantOptions
{
    public const string SectionName = "VectorIndex:Qdrant";

    /// <summary>Base address of Qdrant's REST API, e.g. http://localhost:6333.</summary>
    public string Url { get; set; } = "";

    /// <summary>Sent as the <c>api-key</c> header; leave empty for an unsecured local Qdrant.</summary>
    public string? ApiKey { get; set; }

    public string Collection { get; set; } = "properties";

    public int Dimension { get; set; } = 16;

    /// <summary>Points per upsert request: large enough to amortise round trips, small enough to keep requests modest.</summary>
    public int UpsertBatchSize { get; set; } = 256;
}
