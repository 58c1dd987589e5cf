using Platform.BuildingBlocks.VectorSearch;
using Platform.MarketData.Domain;
using Platform.PortfolioTwin.Api.Contracts;

namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>Turns a request's <see cref="SearchFilters"/> into the index's <see cref="VectorFilter"/>, naming any invalid field.</summary>
public static class SearchFilterMapper
{
    public const string AnyStatus = "any";

    public static VectorFilter ToVectorFilter(SearchFilters? filters, string tenantId, List<FieldError> errors)
    {
        var filter = new VectorFilter(tenantId) { Status = ListingStatus.Active };
        if (filters is null)
        {
            return filter;
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

        GeoRadius? radius = null;
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
                radius = new GeoRadius(lat, lon, km);
            }
        }

        return filter with
        {
            PropertyTypes = types,
            MinPrice = filters.MinPrice,
            MaxPrice = filters.MaxPrice,
            MinBedrooms = filters.MinBedrooms,
            MaxBedrooms = filters.MaxBedrooms,
            Radius = radius,
            Status = status,
        };
    }

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
