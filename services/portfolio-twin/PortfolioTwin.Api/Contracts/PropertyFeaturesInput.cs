using Platform.MarketData.Domain;

namespace Platform.PortfolioTwin.Api.Contracts;

/// <summary>
/// A property as callers describe it to the twin (snake_case JSON). Required: property_type, latitude, longitude, usable_area,
/// bedrooms, bathrooms, year_built. Defaults when absent: rooms = bedrooms + 1, condition = 3, status = active,
/// days_on_market = 0. <c>estimated_value</c> overrides the valuation model's estimate.
/// </summary>
public sealed record PropertyFeaturesInput
{
    public string? PropertyId { get; init; }
    public string? PropertyType { get; init; }
    public string? Municipality { get; init; }
    public string? ZipCode { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public double? UsableArea { get; init; }
    public double? TotalArea { get; init; }
    public double? LotSize { get; init; }
    public int? Rooms { get; init; }
    public int? Bedrooms { get; init; }
    public int? Bathrooms { get; init; }
    public int? Floor { get; init; }
    public int? YearBuilt { get; init; }
    public int? Condition { get; init; }
    public double? ListingPrice { get; init; }
    public string? Status { get; init; }
    public int? DaysOnMarket { get; init; }
    public double? MonthlyRent { get; init; }
    public double? EstimatedValue { get; init; }
}

/// <summary>Checks <see cref="PropertyFeaturesInput"/> and turns it into the domain <see cref="Property"/> the feature builder reads.</summary>
public static class PropertyFeaturesValidator
{
    // Generous physical bounds: they catch unit mistakes and garbage, not unusual properties. The lower ones keep every derived
    // feature (log price, price per m², yield) finite: a 5e-324 price or area would divide or log to infinity.
    private const double MinArea = 1;
    private const double MaxArea = 100_000;
    private const double MinPrice = 1;
    private const double MaxPrice = 10_000_000_000;

    public static Property? Validate(PropertyFeaturesInput? input, string tenantId, string path, List<FieldError> errors, TimeProvider time)
    {
        if (input is null)
        {
            errors.Add(new FieldError(path, "Property features are required."));
            return null;
        }

        var before = errors.Count;
        TwinFieldRules.OptionalId(input.PropertyId, $"{path}.property_id", errors);
        TwinFieldRules.Text(input.Municipality, $"{path}.municipality", errors);
        TwinFieldRules.Text(input.ZipCode, $"{path}.zip_code", errors);
        var type = input.PropertyType?.Trim().ToLowerInvariant();
        if (type is null)
        {
            errors.Add(new FieldError($"{path}.property_type", "Required."));
        }
        else if (!PropertyTypes.All.Contains(type))
        {
            errors.Add(new FieldError($"{path}.property_type", $"'{input.PropertyType}' is not one of {string.Join(", ", PropertyTypes.All)}."));
        }

        var status = input.Status?.Trim().ToLowerInvariant() ?? ListingStatus.Active;
        if (!ListingStatus.All.Contains(status))
        {
            errors.Add(new FieldError($"{path}.status", $"'{input.Status}' is not one of {string.Join(", ", ListingStatus.All)}."));
        }

        var latitude = Required(input.Latitude, $"{path}.latitude", -90, 90, errors);
        var longitude = Required(input.Longitude, $"{path}.longitude", -180, 180, errors);
        var usableArea = Required(input.UsableArea, $"{path}.usable_area", MinArea, MaxArea, errors);
        Optional(input.TotalArea, $"{path}.total_area", MinArea, MaxArea, errors);
        Optional(input.LotSize, $"{path}.lot_size", 0, 100 * MaxArea, errors);
        Optional(input.ListingPrice, $"{path}.listing_price", MinPrice, MaxPrice, errors);
        Optional(input.MonthlyRent, $"{path}.monthly_rent", 0, MaxPrice, errors);
        Optional(input.EstimatedValue, $"{path}.estimated_value", MinPrice, MaxPrice, errors);

        var bedrooms = RequiredInt(input.Bedrooms, $"{path}.bedrooms", 0, 100, errors);
        var bathrooms = RequiredInt(input.Bathrooms, $"{path}.bathrooms", 0, 100, errors);
        var thisYear = time.GetUtcNow().Year;
        var yearBuilt = RequiredInt(input.YearBuilt, $"{path}.year_built", 1500, thisYear + 5, errors);
        OptionalInt(input.Rooms, $"{path}.rooms", 0, 200, errors);
        OptionalInt(input.Condition, $"{path}.condition", 1, 5, errors);
        OptionalInt(input.DaysOnMarket, $"{path}.days_on_market", 0, 36_500, errors);
        OptionalInt(input.Floor, $"{path}.floor", -10, 200, errors);

        if (errors.Count > before)
        {
            return null;
        }

        return new Property
        {
            TenantId = tenantId,
            PropertyId = input.PropertyId ?? string.Empty,
            PropertyType = type!,
            Municipality = input.Municipality ?? string.Empty,
            ZipCode = input.ZipCode,
            Latitude = latitude,
            Longitude = longitude,
            UsableArea = usableArea,
            TotalArea = input.TotalArea,
            LotSize = input.LotSize,
            Rooms = input.Rooms ?? bedrooms + 1,
            Bedrooms = bedrooms,
            Bathrooms = bathrooms,
            Floor = input.Floor,
            YearBuilt = yearBuilt,
            Condition = input.Condition ?? 3,
            ListingPrice = input.ListingPrice,
            Status = status,
            DaysOnMarket = input.DaysOnMarket ?? 0,
            ListedAt = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
            MonthlyRent = input.MonthlyRent,
        };
    }

    private static double Required(double? value, string field, double min, double max, List<FieldError> errors)
    {
        if (value is null)
        {
            errors.Add(new FieldError(field, "Required."));
            return 0;
        }

        Optional(value, field, min, max, errors);
        return value.Value;
    }

    private static void Optional(double? value, string field, double min, double max, List<FieldError> errors)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            errors.Add(new FieldError(field, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{v} is outside [{min}, {max}].")));
        }
    }

    private static int RequiredInt(int? value, string field, int min, int max, List<FieldError> errors)
    {
        if (value is null)
        {
            errors.Add(new FieldError(field, "Required."));
            return 0;
        }

        OptionalInt(value, field, min, max, errors);
        return value.Value;
    }

    private static void OptionalInt(int? value, string field, int min, int max, List<FieldError> errors)
    {
        if (value is { } v && (v < min || v > max))
        {
            errors.Add(new FieldError(field, $"{v} is outside [{min}, {max}]."));
        }
    }
}
