using Platform.MarketData.Domain;

namespace Platform.Lab.Auction;

/// <summary>A property on sale with its ground truth and the model's estimate and interval (as served).</summary>
public sealed record Lot(Property Property, double TrueValue, double Estimate, double Low, double High);

public enum AuctionFormat
{
    /// <summary>Sealed first-price: every bidder submits one bid; the highest pays its bid.</summary>
    Sealed,

    /// <summary>English (ascending): the price rises until one bidder is left, who pays one increment over the runner-up's limit.</summary>
    Ascending,
}

public static class Personas
{
    public const string Investor = "investor";
    public const string Flipper = "flipper";
    public const string OwnerOccupier = "owner-occupier";
    public const string Opportunist = "opportunist";

    public static readonly IReadOnlyList<string> All = [Investor, Flipper, OwnerOccupier, Opportunist];
}

/// <summary>One bidder: a persona and its private draws (noise on its reading of the estimate, its budget).</summary>
public sealed record Bidder(string Id, string Persona, double Noise, double Budget);

/// <summary>The model as the bidders see it after the injected distortion: estimate × (1 + bias), interval half-widths × width.</summary>
public sealed record ModelDistortion(double Bias, double Width)
{
    public (double Estimate, double Low, double High) Apply(Lot lot)
    {
        var estimate = lot.Estimate * (1 + Bias);
        return (estimate, estimate - (lot.Estimate - lot.Low) * (1 + Bias) * Width, estimate + (lot.High - lot.Estimate) * (1 + Bias) * Width);
    }
}

/// <summary>What one auction ended with; <see cref="Winner"/> is null when nobody bid over the reserve.</summary>
public sealed record AuctionOutcome(Lot Lot, AuctionFormat Format, ModelDistortion Distortion, Bidder? Winner, double Price, int Bids);

/// <summary>
/// The bid simulation: bidders of four personas price each lot from the model's estimate and interval and bid in sealed and
/// ascending auctions. Limits (the most a bidder would pay):
/// <list type="bullet">
/// <item>investor — the price at which the rent gives its target gross yield, never above the interval's midpoint-low (conservative);</item>
/// <item>flipper — resale after renovating to top condition, less renovation cost (by condition and area) and a thin margin (aggressive, short horizon);</item>
/// <item>owner-occupier — a premium over the estimate, capped by its budget;</item>
/// <item>opportunist — a lowball under the interval's low bound.</item>
/// </list>
/// Deterministic for a seed.
/// </summary>
public static class AuctionSimulation
{
    public const double InvestorTargetYield = 0.045;
    public const double RenovationCostPerSquareMetrePerStep = 3_500;
    public const double FlipperMargin = 0.04;
    public const double OwnerPremium = 0.05;
    public const double OpportunistDiscount = 0.12;
    public const double ReserveShareOfEstimate = 0.8;

    public static List<Bidder> Bidders(int perPersona, int seed, double medianValue)
    {
        var random = new Random(seed);
        var bidders = new List<Bidder>();
        foreach (var persona in Personas.All)
        {
            for (var i = 0; i < perPersona; i++)
            {
                var noise = Math.Exp(Gaussian(random) * 0.04);
                var budget = medianValue * Math.Exp(0.2 + Gaussian(random) * 0.5);
                bidders.Add(new Bidder($"{persona}-{i + 1}", persona, noise, budget));
            }
        }

        return bidders;
    }

    /// <summary>The most <paramref name="bidder"/> would pay for <paramref name="lot"/> given what the model says.</summary>
    public static double Limit(Bidder bidder, Lot lot, ModelDistortion distortion)
    {
        var (estimate, low, _) = distortion.Apply(lot);
        var property = lot.Property;
        var value = bidder.Persona switch
        {
            Personas.Investor => Math.Min(AnnualRent(property, estimate) / InvestorTargetYield, (low + estimate) / 2),
            Personas.Flipper => Math.Max(0, estimate * Math.Exp(0.05 * (5 - property.Condition))
                - (5 - property.Condition) * RenovationCostPerSquareMetrePerStep * property.UsableArea) * (1 - FlipperMargin),
            Personas.OwnerOccupier => Math.Min(estimate * (1 + OwnerPremium), bidder.Budget),
            _ => low * (1 - OpportunistDiscount),
        };
        return value * bidder.Noise;
    }

    /// <summary>Bid shading in a sealed first-price auction: share of the limit each persona writes on the envelope.</summary>
    public static double SealedShare(string persona) => persona switch
    {
        Personas.Investor => 0.96,
        Personas.Flipper => 0.98,
        Personas.OwnerOccupier => 1.0,
        _ => 1.0,
    };

    public static AuctionOutcome Run(Lot lot, IReadOnlyList<Bidder> bidders, AuctionFormat format, ModelDistortion distortion)
    {
        var (estimate, _, _) = distortion.Apply(lot);
        var reserve = estimate * ReserveShareOfEstimate;
        var limits = bidders.Select(b => (Bidder: b, Limit: Limit(b, lot, distortion))).Where(b => b.Limit >= reserve).OrderByDescending(b => b.Limit).ToList();
        if (limits.Count == 0)
        {
            return new AuctionOutcome(lot, format, distortion, null, 0, 0);
        }

        if (format == AuctionFormat.Sealed)
        {
            var best = limits.Select(b => (b.Bidder, Bid: b.Limit * SealedShare(b.Bidder.Persona))).MaxBy(b => b.Bid);
            return new AuctionOutcome(lot, format, distortion, best.Bidder, Math.Max(reserve, best.Bid), limits.Count);
        }

        // Ascending: the runner-up drops out at its limit; the winner pays one increment more (at most its own limit).
        var increment = estimate * 0.005;
        var price = limits.Count == 1 ? reserve : Math.Min(limits[0].Limit, limits[1].Limit + increment);
        return new AuctionOutcome(lot, format, distortion, limits[0].Bidder, price, limits.Count);
    }

    private static double AnnualRent(Property property, double estimate) =>
        // Listings carry a rent for flats and terraced houses; elsewhere the investor assumes the market's typical ratio.
        12 * (property.MonthlyRent ?? estimate * 0.0036);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

/// <summary>Summary of many auctions under one format and distortion.</summary>
public sealed record AuctionSummary(
    AuctionFormat Format,
    ModelDistortion Distortion,
    int Lots,
    int Sold,
    double MeanPriceToTrue,
    double MedianPriceToTrue,
    IReadOnlyDictionary<string, PersonaResult> Personas);

/// <summary>A persona's wins and its winner's curse: mean (price − true value) / true value over the lots it won.</summary>
public sealed record PersonaResult(int Wins, double WinShare, double MeanOverpayment, double OverpaidShare);

public static class AuctionSummaries
{
    public static AuctionSummary Summarise(IReadOnlyList<AuctionOutcome> outcomes)
    {
        var sold = outcomes.Where(o => o.Winner is not null).ToList();
        var ratios = sold.Select(o => o.Price / o.Lot.TrueValue).Order().ToArray();
        var personas = Personas.All.ToDictionary(p => p, p =>
        {
            var won = sold.Where(o => o.Winner!.Persona == p).ToList();
            var over = won.Select(o => o.Price / o.Lot.TrueValue - 1).ToList();
            return new PersonaResult(won.Count, sold.Count == 0 ? 0 : won.Count / (double)sold.Count,
                over.Count == 0 ? 0 : over.Average(), over.Count == 0 ? 0 : over.Count(v => v > 0) / (double)over.Count);
        });
        return new AuctionSummary(outcomes[0].Format, outcomes[0].Distortion, outcomes.Count, sold.Count,
            ratios.Length == 0 ? 0 : ratios.Average(), ratios.Length == 0 ? 0 : ratios[ratios.Length / 2], personas);
    }
}
