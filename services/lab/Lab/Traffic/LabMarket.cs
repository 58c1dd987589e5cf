using Platform.Lab.Scenarios;
using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;

namespace Platform.Lab.Traffic;

/// <summary>
/// The lab's copy of the platform's synthetic market. Generated per index from the seed, so its properties and users are a
/// prefix of the platform tenant's (they exist there) and the noise-free price of any property on any date is known.
/// </summary>
public sealed class LabMarket
{
    private readonly SyntheticMarketOptions _options;

    public LabMarket(MarketSpec spec, string tenant)
    {
        _options = new SyntheticMarketOptions { Seed = spec.Seed, Properties = spec.Properties, Users = spec.Users, TenantId = tenant, InteractionsPerUser = 1 };
        var generator = new SyntheticMarketGenerator(_options);
        Properties = generator.Properties;
        Users = [.. generator.Users.Select(u => u.User.UserId)];
        MeanOf = DriftSpec.NumericFeatures.ToDictionary(f => f, f => Properties.Average(p => Numeric(p, f)));
    }

    public IReadOnlyList<Property> Properties { get; }

    public IReadOnlyList<string> Users { get; }

    /// <summary>Market mean of each numeric drift feature: a scale drift widens the spread around it.</summary>
    public IReadOnlyDictionary<string, double> MeanOf { get; }

    /// <summary>The date estimates are asked for: the end of the market's history, where the model's data is freshest.</summary>
    public DateOnly ValuationDate => _options.EndDate.AddDays(-1);

    /// <summary>The noise-free market value of <paramref name="property"/> on <paramref name="date"/> (the ground truth).</summary>
    public double TrueValue(Property property, DateOnly date) =>
        Math.Exp(HedonicPriceModel.LogPrice(property, Municipalities.ByName(property.Municipality), date, _options.StartDate));

    public static double Numeric(Property property, string feature) => feature switch
    {
        "usable_area" => property.UsableArea,
        "year_built" => property.YearBuilt,
        "condition" => property.Condition,
        "bedrooms" => property.Bedrooms,
        "rooms" => property.Rooms,
        _ => throw new ArgumentException($"'{feature}' is not a numeric drift feature.", nameof(feature)),
    };
}
