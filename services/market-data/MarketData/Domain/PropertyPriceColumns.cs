namespace Platform.MarketData.Domain;

/// <summary>
/// The numeric columns a property brings to a row of the platform's price dataset (<c>sales.csv</c>, the training pipeline's
/// snapshot and the rows the twin sends valuation for its estimated-value feature), with the property figure each one holds:
/// one list, so training and serving price a property from the same columns.
/// </summary>
public static class PropertyPriceColumns
{
    /// <summary>The feature columns after <c>latitude</c> and <c>longitude</c>, in dataset order (listing price is left out: it is almost the answer).</summary>
    public static IReadOnlyList<(string Column, Func<Property, double?> Value)> Numeric { get; } =
    [
        ("usable_area", p => p.UsableArea),
        ("total_area", p => p.TotalArea),
        ("lot_size", p => p.LotSize),
        ("rooms", p => p.Rooms),
        ("bedrooms", p => p.Bedrooms),
        ("bathrooms", p => p.Bathrooms),
        ("floor", p => p.Floor),
        ("year_built", p => p.YearBuilt),
        ("condition", p => p.Condition),
    ];
}
