using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Model.Features;

namespace Platform.PortfolioTwin.Tests;

public sealed class PropertyFeatureBuilderTests
{
    internal static Property Flat(string id = "p1", double? price = 4_000_000, double lat = 59.91, double lon = 10.75) => new()
    {
        TenantId = "t",
        PropertyId = id,
        PropertyType = PropertyTypes.Leilighet,
        Municipality = "Oslo",
        Latitude = lat,
        Longitude = lon,
        UsableArea = 80,
        Rooms = 3,
        Bedrooms = 2,
        Bathrooms = 1,
        Floor = 4,
        YearBuilt = 1990,
        Condition = 4,
        ListingPrice = price,
        Status = ListingStatus.Active,
        DaysOnMarket = 12,
        ListedAt = new DateOnly(2024, 5, 1),
        MonthlyRent = 16_000,
    };

    [Fact]
    public void Builds_25_named_features_with_one_hots_and_ratios()
    {
        var f = PropertyFeatureBuilder.Build(Flat(), estimatedValue: 4_200_000);

        Assert.Equal(25, f.Length);
        Assert.Equal(25, PropertyFeatureBuilder.FeatureNames.Count);
        Assert.Equal(Math.Log(4_000_000), f[0], 4);
        Assert.Equal(Math.Log(4_000_000 / 80.0), f[1], 4);
        Assert.Equal(Math.Log(4_200_000), f[2], 4);
        Assert.Equal(1, f[3]);
        Assert.Equal(16_000 * 12 / 4_000_000.0, f[4], 5);
        Assert.Equal(34, f[10]); // age at listing
        Assert.Equal([1f, 0f, 0f], f[14..17]);
        Assert.Equal([1f, 0f, 0f, 0f, 0f], f[18..23]);
    }

    [Fact]
    public void Missing_price_is_nan_before_scaling_and_the_training_mean_after()
    {
        var rows = new[] { PropertyFeatureBuilder.Build(Flat("a", 3_000_000)), PropertyFeatureBuilder.Build(Flat("b", 5_000_000)) };
        var scaler = FeatureScaler.Fit(rows);
        var missing = PropertyFeatureBuilder.Build(Flat("c", price: null));

        Assert.True(float.IsNaN(missing[0]));
        scaler.TransformInPlace(missing);
        Assert.Equal(0, missing[0]);
        Assert.All(missing, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1, missing[14]); // indicators are not rescaled
    }
}
