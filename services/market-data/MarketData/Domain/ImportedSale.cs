namespace Platform.MarketData.Domain;

/// <summary>
/// A sale imported from a CSV through a schema file. <see cref="AttributesJson"/> holds the schema's feature columns as a
/// JSON object; <see cref="Line"/> is the 1-based line of the source file, so every stored row points back to its origin.
/// </summary>
public sealed record ImportedSale
{
    public required string TenantId { get; init; }
    public required string Dataset { get; init; }
    public required int Line { get; init; }
    public string? RecordId { get; init; }
    public required double Price { get; init; }
    public DateOnly? SoldAt { get; init; }
    public string? Segment { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public required string AttributesJson { get; init; }
}
