using Platform.Lab.Auction;
using Platform.MarketData.Domain;

namespace Platform.Lab.Tests;

public sealed class AuctionSimulationTests
{
    private static readonly Property Flat = new()
    {
        TenantId = "demo",
        PropertyId = "p1",
        PropertyType = PropertyTypes.Leilighet,
        Municipality = "Oslo",
        Latitude = 59.9,
        Longitude = 10.7,
        UsableArea = 70,
        Rooms = 3,
        Bedrooms = 2,
        Bathrooms = 1,
        YearBuilt = 1990,
        Condition = 2,
        Status = ListingStatus.Active,
        DaysOnMarket = 10,
        ListedAt = new DateOnly(2023, 12, 1),
        ListingPrice = 5_000_000,
        MonthlyRent = 19_000,
    };

    private static readonly Lot Lot = new(Flat, TrueValue: 5_000_000, Estimate: 5_100_000, Low: 4_600_000, High: 5_600_000);

    [Fact]
    public void Personas_price_a_lot_by_their_own_rules()
    {
        var unbiased = new ModelDistortion(0, 1);
        double Limit(string persona, double budget = 1e9) => AuctionSimulation.Limit(new Bidder(persona, persona, 1, budget), Lot, unbiased);

        Assert.Equal(4_600_000 * (1 - AuctionSimulation.OpportunistDiscount), Limit(Personas.Opportunist), 3);
        Assert.True(Limit(Personas.Opportunist) < Lot.Low);
        Assert.Equal(5_100_000 * (1 + AuctionSimulation.OwnerPremium), Limit(Personas.OwnerOccupier), 3);
        Assert.Equal(4_000_000, Limit(Personas.OwnerOccupier, budget: 4_000_000), 3);
        // The investor is held to the rent's yield or the lower half of the interval, whichever is less.
        Assert.Equal(Math.Min(12 * 19_000 / AuctionSimulation.InvestorTargetYield, (4_600_000 + 5_100_000) / 2.0), Limit(Personas.Investor), 3);
        // The flipper counts on three condition steps of uplift and pays for the renovation.
        var flipper = (5_100_000 * Math.Exp(0.15) - 3 * AuctionSimulation.RenovationCostPerSquareMetrePerStep * 70) * (1 - AuctionSimulation.FlipperMargin);
        Assert.Equal(flipper, Limit(Personas.Flipper), 3);
    }

    [Fact]
    public void Ascending_winner_pays_just_over_the_runner_up_and_sealed_winner_pays_its_bid()
    {
        var bidders = new[] { new Bidder("o", Personas.OwnerOccupier, 1, 1e9), new Bidder("x", Personas.Opportunist, 1, 1e9), new Bidder("f", Personas.Flipper, 1, 1e9) };
        var unbiased = new ModelDistortion(0, 1);
        var limits = bidders.ToDictionary(b => b.Id, b => AuctionSimulation.Limit(b, Lot, unbiased));
        var ranked = limits.OrderByDescending(l => l.Value).ToList();

        var ascending = AuctionSimulation.Run(Lot, bidders, AuctionFormat.Ascending, unbiased);
        var sealedBid = AuctionSimulation.Run(Lot, bidders, AuctionFormat.Sealed, unbiased);

        Assert.Equal(ranked[0].Key, ascending.Winner!.Id);
        Assert.Equal(Math.Min(ranked[0].Value, ranked[1].Value + Lot.Estimate * 0.005), ascending.Price, 3);
        Assert.Equal(limits[sealedBid.Winner!.Id] * AuctionSimulation.SealedShare(sealedBid.Winner.Persona), sealedBid.Price, 3);
    }

    [Fact]
    public void An_upward_bias_raises_prices_and_the_winners_curse()
    {
        var bidders = AuctionSimulation.Bidders(3, seed: 5, medianValue: 5_000_000);
        var lots = Enumerable.Range(0, 40).Select(i => Lot with { Property = Flat with { PropertyId = $"p{i}", Condition = 1 + i % 5 } }).ToList();
        AuctionSummary Run(double bias) => AuctionSummaries.Summarise([.. lots.Select(l => AuctionSimulation.Run(l, bidders, AuctionFormat.Sealed, new ModelDistortion(bias, 1)))]);

        var low = Run(-0.1);
        var high = Run(0.1);

        Assert.True(high.MeanPriceToTrue > low.MeanPriceToTrue);
        Assert.True(high.Personas.Values.Sum(p => p.MeanOverpayment * p.Wins) > low.Personas.Values.Sum(p => p.MeanOverpayment * p.Wins));
        // Same seed, same bidders, same outcome.
        Assert.Equal(Run(0.1), high, new SummaryComparer());
    }

    [Fact]
    public void A_wider_interval_lowers_the_opportunists_limit()
    {
        var opportunist = new Bidder("x", Personas.Opportunist, 1, 1e9);
        Assert.True(AuctionSimulation.Limit(opportunist, Lot, new ModelDistortion(0, 2)) < AuctionSimulation.Limit(opportunist, Lot, new ModelDistortion(0, 0.5)));
    }

    private sealed class SummaryComparer : IEqualityComparer<AuctionSummary>
    {
        public bool Equals(AuctionSummary? x, AuctionSummary? y) =>
            x!.MeanPriceToTrue == y!.MeanPriceToTrue && x.Sold == y.Sold && x.Personas.All(p => y.Personas[p.Key] == p.Value);

        public int GetHashCode(AuctionSummary obj) => obj.Sold;
    }
}
