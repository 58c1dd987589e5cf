using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;
using Platform.PortfolioTwin.Api.Valuation;
using Platform.TrainingWorkflow.Pipelines.Price;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The twin's estimate rows (serving) and the pipeline's price records (training) take a property's figures from one list,
/// <see cref="PropertyPriceColumns"/>: the same columns with the same values, and a figure left unknown is missing in both.
/// </summary>
public sealed class PriceColumnsTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serving_rows_and_training_records_carry_the_same_columns_and_values()
    {
        var property = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 20, Users = 0, Seed = 3 }).Properties[0];

        var row = Assert.Single(PriceEstimateRows.For([property], AsOf));
        var record = PriceDatasetFormat.ToRecord(property, AsOf.UtcDateTime);

        Assert.Equal(PriceDatasetFormat.Schema.Numeric, [.. PropertyPriceColumns.Numeric.Select(c => c.Column)]);
        Assert.Equal(PriceDatasetFormat.Schema.Numeric, CsvMarketWriter.SaleNumericColumns);
        Assert.Equal(
            PriceDatasetFormat.Schema.Numeric.Select((column, i) => (column, record.Numeric[i])),
            // A column the row leaves out is one the record holds as missing.
            PriceDatasetFormat.Schema.Numeric.Select(column => (column, row.TryGetValue(column, out var value) ? (double)value : double.NaN)));
        Assert.Equal((property.Latitude, property.Longitude), ((double)row["latitude"], (double)row["longitude"]));
        Assert.EndsWith(string.Join(',', PriceDatasetFormat.Schema.Numeric), PriceDatasetFormat.Header, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_figure_is_left_out_of_the_row_and_missing_in_the_record()
    {
        var property = new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = 20, Users = 0, Seed = 3 }).Properties[0] with { Floor = null };

        var row = Assert.Single(PriceEstimateRows.For([property], AsOf));
        var record = PriceDatasetFormat.ToRecord(property, AsOf.UtcDateTime);

        Assert.False(row.ContainsKey("floor"));
        Assert.True(double.IsNaN(record.Numeric[PriceDatasetFormat.Schema.Numeric.ToList().IndexOf("floor")]));
    }
}
