using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Indexing;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>
/// Turns a request's <see cref="SearchFilters"/> into conditions on the property payload (<see cref="PropertyVectorSpace"/>),
/// naming any invalid field. Active listings only unless the request asks for another status or <c>any</c>.
/// </summary>
public static class SearchFilterMapper
{
    public const string AnyStatus = "any";

    public static List<FilterCondition> ToConditions(SearchFilters? filters, List<FieldError> errors)
    {
        if (filters is null)
        {
            return [Match(PropertyVectorSpace.Status, ListingStatus.Active)];
        }

        string[]? types = null;
        if (filters.PropertyTypes is { Count: > 0 })
        {
            types = filters.PropertyTypes.Select(t => t?.Trim().ToLowerInvariant() ?? string.Empty).Distinct().ToArray();
            foreach (var type in types.Where(t => !PropertyTypes.All.Contains(t)))
            {
                errors.Add(new FieldError("filters.property_types", $"'{type}' is not one of {string.Join(", ", PropertyTypes.All)}."));
            }
        }

        string? status = ListingStatus.Active;
        if (filters.Status is { } requested)
        {
            var normalised = requested.Trim().ToLowerInvariant();
            status = normalised == AnyStatus ? null : normalised;
            if (status is not null && !ListingStatus.All.Contains(status))
            {
                errors.Add(new FieldError("filters.status", $"'{requested}' is not one of {string.Join(", ", ListingStatus.All)} or '{AnyStatus}'."));
            }
        }

        CheckRange(filters.MinPrice, filters.MaxPrice, "filters.min_price", "filters.max_price", errors);
        CheckRange(filters.MinBedrooms, filters.MaxBedrooms, "filters.min_bedrooms", "filters.max_bedrooms", errors);

        GeoRadiusCondition? radius = null;
        if (filters.Near is { } near)
        {
            if (near.Latitude is not { } lat || !double.IsFinite(lat) || lat is < -90 or > 90)
            {
                errors.Add(new FieldError("filters.near.latitude", "Required, between -90 and 90."));
            }
            else if (near.Longitude is not { } lon || !double.IsFinite(lon) || lon is < -180 or > 180)
            {
                errors.Add(new FieldError("filters.near.longitude", "Required, between -180 and 180."));
            }
            else if (near.RadiusKm is not { } km || !double.IsFinite(km) || km <= 0 || km > 20_000)
            {
                errors.Add(new FieldError("filters.near.radius_km", "Required, greater than 0 and at most 20000."));
            }
            else
            {
                radius = new GeoRadiusCondition(PropertyVectorSpace.Location, new GeoPoint(lat, lon), km * 1000);
            }
        }

        var conditions = new List<FilterCondition>();
        if (types is not null)
        {
            conditions.Add(new MatchAnyCondition(PropertyVectorSpace.Type, [.. types.Select(PayloadValue.Keyword)]));
        }

        if (filters.MinPrice is not null || filters.MaxPrice is not null)
        {
            conditions.Add(new RangeCondition(PropertyVectorSpace.Price, Gte: filters.MinPrice, Lte: filters.MaxPrice));
        }

        if (filters.MinBedrooms is not null || filters.MaxBedrooms is not null)
        {
            conditions.Add(new RangeCondition(PropertyVectorSpace.Bedrooms, Gte: filters.MinBedrooms, Lte: filters.MaxBedrooms));
        }

        if (radius is not null)
        {
            conditions.Add(radius);
        }

        if (status is not null)
        {
            conditions.Add(Match(PropertyVectorSpace.Status, status));
        }

        return conditions;
    }

    private static MatchCondition Match(string field, string value) => new(field, PayloadValue.Keyword(value));

    private static void CheckRange(double? min, double? max, string minField, string maxField, List<FieldError> errors)
    {
        if (min is { } lo && (!double.IsFinite(lo) || lo < 0))
        {
            errors.Add(new FieldError(minField, "Must be a finite number, at least 0."));
        }

        if (max is { } hi && (!double.IsFinite(hi) || hi < 0))
        {
            errors.Add(new FieldError(maxField, "Must be a finite number, at least 0."));
        }

        if (min is { } a && max is { } b && a > b)
        {
            errors.Add(new FieldError(minField, $"{a} is greater than {maxField.Split('.')[^1]} {b}."));
        }
    }

    private static void CheckRange(int? min, int? max, string minField, string maxField, List<FieldError> errors) =>
        CheckRange((double?)min, max, minField, maxField, errors);
}
