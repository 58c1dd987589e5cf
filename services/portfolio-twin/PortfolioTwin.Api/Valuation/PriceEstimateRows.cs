using System.Globalization;
using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Valuation;

/// <summary>
/// The rows portfolio-twin sends to valuation's <c>POST /estimate</c> for its estimated-value feature: each property as a
/// sale dated now, in the columns of the platform's price dataset (the training pipeline prices the same record through
/// <c>PriceDatasetFormat.ToRecord</c>, both from <see cref="PropertyPriceColumns"/>, so serving and training give a property the
/// same estimate). Unknown figures are left out, which the price model reads as missing, as training does.
/// </summary>
public static class PriceEstimateRows
{
    private static readonly (string Column, Func<Property, double?> Value)[] Located =
    [
        ("latitude", p => p.Latitude),
        ("longitude", p => p.Longitude),
    ];

    public static List<Dictionary<string, object>> For(IReadOnlyList<Property> properties, DateTimeOffset asOf)
    {
        var soldAt = asOf.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        var rows = new List<Dictionary<string, object>>(properties.Count);
        foreach (var property in properties)
        {
            var row = new Dictionary<string, object>(PropertyPriceColumns.Numeric.Count + 6, StringComparer.Ordinal)
            {
                ["property_id"] = property.PropertyId,
                ["sold_at"] = soldAt,
                ["property_type"] = property.PropertyType,
                ["municipality"] = property.Municipality,
            };
            foreach (var (column, value) in Located.Concat(PropertyPriceColumns.Numeric))
            {
                if (value(property) is { } number && double.IsFinite(number))
                {
                    row[column] = number;
                }
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The estimates of one reply in row order: null where valuation rejected the row.</summary>
    public static double?[] Read(int count, IEnumerable<(int Index, bool Ok, double? Estimate)> results)
    {
        var estimates = new double?[count];
        foreach (var (index, ok, estimate) in results)
        {
            if (ok && index >= 0 && index < count && estimate is { } value && double.IsFinite(value))
            {
                estimates[index] = value;
            }
        }

        return estimates;
    }
}
