using Platform.MarketData.Domain;

namespace Platform.MarketData.Synthetic;

/// <summary>
/// The known pricing process of the synthetic market. log(price) = base + type effect + b·log(area) + bedrooms +
/// condition + age (U-shaped) + floor + municipality effect + smooth spatial effect + time trend (with season),
/// plus Gaussian noise whose sd depends on the property type and rises with the price level.
/// </summary>
public static class HedonicPriceModel
{
    public const double Intercept = 11.62;
    public const double LogAreaCoefficient = 0.82;
    public const double BedroomCoefficient = 0.025;
    public const double ConditionCoefficient = 0.05;
    public const double FloorCoefficient = 0.012;
    public const double AnnualTrend = 0.04;
    public const double SeasonAmplitude = 0.015;

    /// <summary>Log-price effect per type, in <see cref="PropertyTypes.All"/> order.</summary>
    public static IReadOnlyList<double> TypeEffects { get; } = [0.0, -0.04, -0.03, -0.06, -0.35];

    /// <summary>Noise sd per type before scaling by price level, in <see cref="PropertyTypes.All"/> order.</summary>
    public static IReadOnlyList<double> TypeNoiseSd { get; } = [0.07, 0.085, 0.09, 0.11, 0.16];

    /// <summary>Noise-free log price of <paramref name="property"/> if sold on <paramref name="date"/>.</summary>
    public static double LogPrice(Property property, Municipality municipality, DateOnly date, DateOnly marketStart)
    {
        var type = TypeIndex(property.PropertyType);
        var age = Math.Max(0, date.Year - property.YearBuilt);
        var logPrice = Intercept
            + TypeEffects[type]
            + LogAreaCoefficient * Math.Log(property.UsableArea)
            + BedroomCoefficient * property.Bedrooms
            + ConditionCoefficient * (property.Condition - 3)
            // New builds carry a premium, mid-century stock a discount, and old character buildings recover some of it.
            + (-0.0045 * age + 0.000028 * age * age)
            + FloorCoefficient * Math.Min(property.Floor ?? 0, 8)
            + municipality.LocationEffect
            + SpatialEffect(property.Latitude, property.Longitude, municipality);
        return logPrice + TimeEffect(date, marketStart);
    }

    /// <summary>Smooth within-municipality surface: a waviness of neighbourhoods and a decline away from the centre.</summary>
    public static double SpatialEffect(double latitude, double longitude, Municipality municipality)
    {
        var (dx, dy) = OffsetKm(latitude, longitude, municipality);
        var distance = Math.Sqrt(dx * dx + dy * dy);
        return 0.10 * Math.Sin(dx / 3.0) * Math.Cos(dy / 4.0) - 0.012 * Math.Min(distance, 15.0);
    }

    /// <summary>Market-wide trend: <see cref="AnnualTrend"/> per year plus a spring peak.</summary>
    public static double TimeEffect(DateOnly date, DateOnly marketStart)
    {
        var years = (date.DayNumber - marketStart.DayNumber) / 365.25;
        return AnnualTrend * years + SeasonAmplitude * Math.Sin(2 * Math.PI * (date.DayOfYear - 45) / 365.25);
    }

    /// <summary>Noise sd of the log price: by type, scaled up for expensive properties (heteroscedastic).</summary>
    public static double NoiseSd(string propertyType, double logPrice) =>
        TypeNoiseSd[TypeIndex(propertyType)] * Math.Clamp(1 + 0.25 * (logPrice - 15.4), 0.7, 1.5);

    public static int TypeIndex(string propertyType)
    {
        for (var i = 0; i < PropertyTypes.All.Count; i++)
        {
            if (PropertyTypes.All[i] == propertyType) return i;
        }

        throw new ArgumentException($"Unknown property type '{propertyType}'.", nameof(propertyType));
    }

    internal static (double Dx, double Dy) OffsetKm(double latitude, double longitude, Municipality municipality) =>
        ((longitude - municipality.Longitude) * 111.32 * Math.Cos(municipality.Latitude * Math.PI / 180),
         (latitude - municipality.Latitude) * 110.57);
}
