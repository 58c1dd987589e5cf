namespace Platform.Valuation.Model.Data;

/// <summary>
/// One sale as the model sees it, with values laid out in schema order.
/// Missing numbers are NaN and missing categories are null, so missingness stays explicit downstream.
/// </summary>
public sealed class SaleRecord
{
    public string? Id { get; init; }
    /// <summary>Sold price; NaN when the row is only to be priced.</summary>
    public double Price { get; init; } = double.NaN;
    public required double[] Numeric { get; init; }
    public required string?[] Categorical { get; init; }
    public double Latitude { get; init; } = double.NaN;
    public double Longitude { get; init; } = double.NaN;
    public DateTime? SaleDate { get; init; }
    public double UsableArea { get; init; } = double.NaN;
    public double TotalArea { get; init; } = double.NaN;
    public double YearBuilt { get; init; } = double.NaN;
    public string? Segment { get; init; }
    /// <summary>1-based line in the source file (0 when built in code).</summary>
    public int Line { get; init; }
}
