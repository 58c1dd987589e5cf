using Platform.Lab.Scenarios;
using Platform.MarketData.Domain;
using Platform.MarketData.Synthetic;

namespace Platform.Lab.Traffic;

/// <summary>
/// Shifts the generated traffic: every property the traffic sends (and every interaction kind) passes through
/// <see cref="Apply(Property, Random)"/>, which applies the current phase's drifts at their current strength (0 → 1 over
/// <c>over</c>). Values stay inside what the market can produce, so drifted rows are still valid requests.
/// </summary>
public sealed class DriftAgent(LabMarket market)
{
    private volatile IReadOnlyList<DriftSpec> _drifts = [];
    private DateTimeOffset _phaseStart;
    private readonly TimeProvider _time = TimeProvider.System;

    public void Enter(IReadOnlyList<DriftSpec> drifts)
    {
        _phaseStart = _time.GetUtcNow();
        _drifts = drifts;
    }

    /// <summary>Strength of a drift now: the share of its full amount reached.</summary>
    public double Strength(DriftSpec drift) =>
        drift.Over <= TimeSpan.Zero ? 1 : Math.Clamp((_time.GetUtcNow() - _phaseStart) / drift.Over, 0, 1);

    public Property Apply(Property property, Random random)
    {
        foreach (var drift in _drifts)
        {
            var strength = Strength(drift);
            property = drift.Feature switch
            {
                "property_type" when random.NextDouble() < strength => property with { PropertyType = Draw(drift.Mix!, random) },
                "municipality" when random.NextDouble() < strength => Relocate(property, Municipalities.ByName(Draw(drift.Mix!, random))),
                DriftSpec.Location => Move(property, drift.ShiftKm * strength, random),
                "property_type" or "municipality" or "interaction_kind" => property,
                _ => Numeric(property, drift, strength),
            };
        }

        return property;
    }

    /// <summary>The kind of a generated interaction, drawn from <paramref name="baseline"/> unless a kind-mix drift is active.</summary>
    public string InteractionKind(IReadOnlyDictionary<string, double> baseline, Random random)
    {
        foreach (var drift in _drifts)
        {
            if (drift.Feature == "interaction_kind" && random.NextDouble() < Strength(drift))
            {
                return Draw(drift.Mix!, random);
            }
        }

        return Draw(baseline, random);
    }

    private Property Numeric(Property property, DriftSpec drift, double strength)
    {
        var value = LabMarket.Numeric(property, drift.Feature);
        var mean = market.MeanOf[drift.Feature];
        var scale = 1 + (drift.Scale - 1) * strength;
        var shifted = (mean + (value - mean) * scale) * (1 + drift.Shift * strength);
        return drift.Feature switch
        {
            "usable_area" => property with { UsableArea = Math.Round(Math.Clamp(shifted, 18, 600), 1), TotalArea = Math.Round(Math.Clamp(shifted, 18, 600) * 1.1, 1) },
            "year_built" => property with { YearBuilt = Math.Clamp((int)Math.Round(shifted), 1870, 2023) },
            "condition" => property with { Condition = Math.Clamp((int)Math.Round(shifted), 1, 5) },
            "bedrooms" => property with { Bedrooms = Math.Clamp((int)Math.Round(shifted), 0, property.Rooms) },
            _ => property with { Rooms = Math.Clamp((int)Math.Round(shifted), Math.Max(1, property.Bedrooms), 12) },
        };
    }

    private static Property Relocate(Property property, Municipality municipality) => property with
    {
        Municipality = municipality.Name,
        ZipCode = municipality.ZipPrefix + "00",
        Latitude = municipality.Latitude + (property.Latitude - Municipalities.ByName(property.Municipality).Latitude),
        Longitude = municipality.Longitude + (property.Longitude - Municipalities.ByName(property.Municipality).Longitude),
    };

    private static Property Move(Property property, double km, Random random)
    {
        var angle = random.NextDouble() * 2 * Math.PI;
        return property with
        {
            Latitude = Math.Round(property.Latitude + km * Math.Sin(angle) / 110.57, 6),
            Longitude = Math.Round(property.Longitude + km * Math.Cos(angle) / (111.32 * Math.Cos(property.Latitude * Math.PI / 180)), 6),
        };
    }

    private static string Draw(IReadOnlyDictionary<string, double> weights, Random random)
    {
        var total = weights.Values.Sum();
        var draw = random.NextDouble() * total;
        foreach (var (key, weight) in weights)
        {
            draw -= weight;
            if (draw <= 0)
            {
                return key;
            }
        }

        return weights.Keys.Last();
    }
}
