namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// A <see cref="VectorFilter"/> resolved against one shard (label codes, row sets), checked per row during the scan.
/// It holds the shard's column arrays directly: they are only replaced under the write lock, and the scan runs under the
/// read lock, so the hot loop reads its own fields instead of going through the shard.
/// </summary>
internal sealed class CompiledFilter
{
    private readonly int[] _typeCodes;
    private readonly int[] _statusCodes;
    private readonly double[] _prices;
    private readonly int[] _bedroomCounts;
    private readonly double[] _latitudes;
    private readonly double[] _longitudes;
    private readonly bool[]? _allowedTypes;
    private readonly int _statusCode;
    private readonly double _minPrice;
    private readonly double _maxPrice;
    private readonly int _minBedrooms;
    private readonly int _maxBedrooms;
    private readonly GeoRadius? _radius;
    private readonly double _radiusMeters;
    private readonly double _maxLatitudeDelta;
    private readonly HashSet<int>? _excludedRows;
    private readonly HashSet<int>? _onlyRows;

    public CompiledFilter(
        VectorFilter filter, ShardColumns columns, bool[]? allowedTypes, int statusCode, HashSet<int>? excludedRows, HashSet<int>? onlyRows)
    {
        (_typeCodes, _statusCodes, _prices, _bedroomCounts, _latitudes, _longitudes) = columns;
        _allowedTypes = allowedTypes;
        _statusCode = statusCode;
        _minPrice = filter.MinPrice ?? double.NegativeInfinity;
        _maxPrice = filter.MaxPrice ?? double.PositiveInfinity;
        _minBedrooms = filter.MinBedrooms ?? int.MinValue;
        _maxBedrooms = filter.MaxBedrooms ?? int.MaxValue;
        _radius = filter.Radius;
        _radiusMeters = (filter.Radius?.RadiusKm ?? 0) * 1000;
        // A cheap latitude band check before the haversine: one degree of latitude is ~111.2 km everywhere.
        _maxLatitudeDelta = _radiusMeters / (VectorMath.EarthRadiusMeters * Math.PI / 180) * 1.001;
        _excludedRows = excludedRows;
        _onlyRows = onlyRows;
    }

    /// <summary>True when no row can match (an unknown type or status, or an empty id allow-list): the scan can be skipped.</summary>
    public bool MatchesNothing =>
        _statusCode == int.MinValue || (_allowedTypes is not null && !_allowedTypes.Contains(true)) || _onlyRows is { Count: 0 };

    public bool Admits(int row)
    {
        if (_allowedTypes is not null)
        {
            var type = _typeCodes[row];
            if (type >= _allowedTypes.Length || !_allowedTypes[type])
            {
                return false;
            }
        }

        if (_statusCode >= 0 && _statusCodes[row] != _statusCode)
        {
            return false;
        }

        var price = _prices[row];
        if (price < _minPrice || price > _maxPrice)
        {
            return false;
        }

        var bedrooms = _bedroomCounts[row];
        if (bedrooms < _minBedrooms || bedrooms > _maxBedrooms)
        {
            return false;
        }

        if (_radius is not null)
        {
            var latitude = _latitudes[row];
            if (Math.Abs(latitude - _radius.Latitude) > _maxLatitudeDelta
                || VectorMath.HaversineMeters(_radius.Latitude, _radius.Longitude, latitude, _longitudes[row]) > _radiusMeters)
            {
                return false;
            }
        }

        if (_onlyRows is not null && !_onlyRows.Contains(row))
        {
            return false;
        }

        return _excludedRows is null || !_excludedRows.Contains(row);
    }
}

/// <summary>The payload columns of a shard, as the filter reads them.</summary>
internal readonly record struct ShardColumns(
    int[] TypeCodes, int[] StatusCodes, double[] Prices, int[] Bedrooms, double[] Latitudes, double[] Longitudes);
