using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;

namespace Platform.MarketData.Tests;

public sealed class SyntheticMarketGeneratorTests
{
    private static readonly SyntheticMarketOptions Small = new() { Properties = 4_000, Users = 60, InteractionsPerUser = 200, Seed = 11 };
    private static readonly Lazy<SyntheticMarketGenerator> Market = new(() => new SyntheticMarketGenerator(Small));

    [Fact]
    public void The_same_seed_gives_the_same_market()
    {
        var first = new SyntheticMarketGenerator(Small with { Properties = 500, Users = 10 });
        var second = new SyntheticMarketGenerator(Small with { Properties = 500, Users = 10 });

        Assert.Equal(first.Properties, second.Properties);
        Assert.Equal(first.Sales, second.Sales, (a, b) => a.Sale == b.Sale && a.NoiseFreePrice == b.NoiseFreePrice);
        Assert.Equal(first.Users.Select(u => (u.User, string.Join(',', u.Preferences))), second.Users.Select(u => (u.User, string.Join(',', u.Preferences))));
        Assert.Equal(first.Interactions(), second.Interactions());
    }

    [Fact]
    public void A_different_seed_gives_a_different_market_and_a_larger_market_extends_a_smaller_one()
    {
        var baseline = new SyntheticMarketGenerator(Small with { Properties = 300, Users = 5 });
        var otherSeed = new SyntheticMarketGenerator(Small with { Properties = 300, Users = 5, Seed = 12 });
        var larger = new SyntheticMarketGenerator(Small with { Properties = 900, Users = 5 });

        Assert.NotEqual(baseline.Properties.Select(p => p.UsableArea), otherSeed.Properties.Select(p => p.UsableArea));
        Assert.Equal(baseline.Properties, larger.Properties.Take(300));
    }

    [Fact]
    public void Properties_look_like_the_norwegian_market()
    {
        var properties = Market.Value.Properties;
        var byType = properties.GroupBy(p => p.PropertyType).ToDictionary(g => g.Key, g => g.ToList());

        Assert.Equal(PropertyTypes.All.Order(), byType.Keys.Order());
        Assert.True(byType[PropertyTypes.Leilighet].Count > byType[PropertyTypes.Hytte].Count);
        Assert.True(Median(byType[PropertyTypes.Leilighet].Select(p => p.UsableArea)) < Median(byType[PropertyTypes.Enebolig].Select(p => p.UsableArea)));
        Assert.All(byType[PropertyTypes.Leilighet], p => Assert.NotNull(p.Floor));
        Assert.All(byType[PropertyTypes.Enebolig], p => Assert.Null(p.Floor));
        Assert.All(properties, p =>
        {
            Assert.InRange(p.Latitude, 57.5, 71.5);
            Assert.InRange(p.Longitude, 4.0, 31.5);
            Assert.InRange(p.Condition, 1, 5);
            Assert.InRange(p.Bedrooms, 0, p.Rooms);
            Assert.True(p.TotalArea >= p.UsableArea);
            Assert.True(p.YearBuilt <= p.ListedAt.Year);
        });

        var oslo = Median(properties.Where(p => p.Municipality == "Oslo").Select(p => p.ListingPrice!.Value / p.UsableArea));
        var trysil = Median(properties.Where(p => p.Municipality == "Trysil").Select(p => p.ListingPrice!.Value / p.UsableArea));
        Assert.True(oslo > 1.5 * trysil, $"price per m² Oslo {oslo:N0} vs Trysil {trysil:N0}");
        Assert.InRange(properties.Count(p => p.Status == ListingStatus.Sold) / (double)properties.Count, 0.57, 0.63);
    }

    [Fact]
    public void Sale_prices_follow_the_hedonic_process_with_the_stated_noise()
    {
        var market = Market.Value;
        var properties = market.Properties.ToDictionary(p => p.PropertyId);
        var start = market.Options.StartDate;

        foreach (var sale in market.Sales.Take(200))
        {
            var property = properties[sale.Sale.PropertyId];
            var expected = Math.Exp(HedonicPriceModel.LogPrice(property, Municipalities.ByName(property.Municipality), sale.Sale.SoldAt, start));
            Assert.Equal(expected, sale.NoiseFreePrice, expected * 1e-9);
            Assert.Equal(sale.Sale.PropertyId, property.PropertyId);
            Assert.Equal(property.ListedAt.AddDays(property.DaysOnMarket), sale.Sale.SoldAt);
        }

        // Standardised noise is ~N(0, 1), and expensive types are noisier (heteroscedastic).
        var z = market.Sales.Select(s => s.LogNoise / s.NoiseSd).ToArray();
        Assert.InRange(z.Average(), -0.06, 0.06);
        Assert.InRange(z.Select(v => v * v).Average(), 0.9, 1.1);
        double MeanSd(string type) => market.Sales.Where(s => properties[s.Sale.PropertyId].PropertyType == type).Average(s => s.NoiseSd);
        Assert.True(MeanSd(PropertyTypes.Hytte) > 1.5 * MeanSd(PropertyTypes.Leilighet));

        // For Gaussian log-noise the median |e^ε − 1| is close to 0.674 · typical sd.
        var floor = market.NoiseFloorMdape();
        Assert.Equal(Median(market.Sales.Select(s => s.IrreducibleAbsolutePercentageError)), floor, 12);
        Assert.InRange(floor, 0.03, 0.10);

        // Prices rise over time: the second half of the period sells higher per m² than the first.
        var midpoint = start.AddYears(market.Options.Years / 2);
        var early = Median(market.Sales.Where(s => s.Sale.SoldAt < midpoint).Select(s => s.NoiseFreePrice / properties[s.Sale.PropertyId].UsableArea));
        var late = Median(market.Sales.Where(s => s.Sale.SoldAt >= midpoint).Select(s => s.NoiseFreePrice / properties[s.Sale.PropertyId].UsableArea));
        Assert.True(late > early);
    }

    [Fact]
    public void Interactions_follow_the_users_latent_preferences()
    {
        var market = Market.Value;
        var index = market.Properties.Select((p, i) => (p.PropertyId, i)).ToDictionary(x => x.PropertyId, x => x.i);
        var users = market.Users.ToDictionary(u => u.User.UserId);
        var interactions = market.Interactions().ToList();

        double MeanUtility(InteractionKind kind) => interactions.Where(i => i.Kind == kind)
            .Average(i => market.Utility(users[i.UserId].Preferences, index[i.PropertyId]));
        Assert.True(MeanUtility(InteractionKind.Deal) > MeanUtility(InteractionKind.Outreach));
        Assert.True(MeanUtility(InteractionKind.Outreach) > MeanUtility(InteractionKind.Like));
        Assert.True(MeanUtility(InteractionKind.Like) > MeanUtility(InteractionKind.View) + 1);
        Assert.True(MeanUtility(InteractionKind.View) > MeanUtility(InteractionKind.Dislike) + 1);

        // Viewed properties are better than random ones for that user.
        var random = new Random(3);
        var randomUtility = interactions.Where(i => i.Kind == InteractionKind.View).Take(5_000)
            .Average(i => market.Utility(users[i.UserId].Preferences, random.Next(market.Properties.Count)));
        Assert.True(MeanUtility(InteractionKind.View) > randomUtility + 1);

        Assert.InRange(interactions.Count, 0.85 * Small.Users * Small.InteractionsPerUser, 1.15 * Small.Users * Small.InteractionsPerUser);
        Assert.InRange(interactions.Count(i => i.Kind == InteractionKind.View) / (double)interactions.Count, 0.6, 0.85);
        Assert.Equal(interactions.Count, interactions.Select(i => i.EventId).Distinct().Count());
        Assert.All(interactions, i => Assert.True(i.OccurredAt >= users[i.UserId].User.CreatedAt));

        // Every deal follows an outreach, and every outreach a like, by the same user on the same property.
        var steps = interactions.ToLookup(i => (i.UserId, i.PropertyId, i.Kind));
        Assert.All(interactions.Where(i => i.Kind == InteractionKind.Deal), d => Assert.NotEmpty(steps[(d.UserId, d.PropertyId, InteractionKind.Outreach)]));
        Assert.All(interactions.Where(i => i.Kind == InteractionKind.Outreach), o => Assert.NotEmpty(steps[(o.UserId, o.PropertyId, InteractionKind.Like)]));
    }

    [Fact]
    public void Partitions_of_the_interaction_stream_add_up_to_the_whole()
    {
        var market = new SyntheticMarketGenerator(Small with { Properties = 200, Users = 7, InteractionsPerUser = 20 });
        var parts = Enumerable.Range(0, 3).SelectMany(p => market.Interactions(p, 3)).Select(i => i.EventId).Order(StringComparer.Ordinal);

        Assert.Equal(market.Interactions().Select(i => i.EventId).Order(StringComparer.Ordinal), parts);
    }

    [Theory]
    [InlineData(0, 10, "demo", "properties")]
    [InlineData(10, -1, "demo", "users")]
    [InlineData(10, 10, "not a tenant!", "tenant")]
    public void Invalid_options_are_rejected_naming_the_option(int properties, int users, string tenant, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => new SyntheticMarketGenerator(new SyntheticMarketOptions { Properties = properties, Users = users, TenantId = tenant }));
        Assert.Contains(named, error.Message);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
