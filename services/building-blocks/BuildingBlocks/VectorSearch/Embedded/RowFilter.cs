namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// A validated <see cref="VectorFilter"/> compiled against one shard into a row predicate: labels resolved to codes, ids to
/// rows, so the scan compares primitives. Compiled under the shard's read lock and used within it.
/// </summary>
internal static class RowFilter
{
    public static Func<int, bool>? Compile(TenantShard shard, FilterCondition? condition, IReadOnlyCollection<string>? excludedIds)
    {
        var compiled = condition is null or VectorFilter { IsEmpty: true } ? null : Compile(shard, condition);
        if (excludedIds is not { Count: > 0 })
        {
            return compiled;
        }

        var excluded = RowsOf(shard, excludedIds);
        return compiled is null ? row => !excluded.Contains(row) : row => !excluded.Contains(row) && compiled(row);
    }

    private static Func<int, bool> Compile(TenantShard shard, FilterCondition condition)
    {
        switch (condition)
        {
            case VectorFilter filter:
                {
                    var must = filter.Must.Select(c => Compile(shard, c)).ToArray();
                    var should = filter.Should.Select(c => Compile(shard, c)).ToArray();
                    var mustNot = filter.MustNot.Select(c => Compile(shard, c)).ToArray();
                    return row =>
                    {
                        foreach (var m in must)
                        {
                            if (!m(row))
                            {
                                return false;
                            }
                        }

                        foreach (var n in mustNot)
                        {
                            if (n(row))
                            {
                                return false;
                            }
                        }

                        if (should.Length == 0)
                        {
                            return true;
                        }

                        foreach (var s in should)
                        {
                            if (s(row))
                            {
                                return true;
                            }
                        }

                        return false;
                    };
                }

            case MatchCondition match:
                return MatchAny(shard.Column(match.Field), [match.Value]);
            case MatchAnyCondition any:
                return MatchAny(shard.Column(any.Field), any.Values);
            case RangeCondition range:
                {
                    var lo = range.Gte ?? double.NegativeInfinity;
                    var hi = range.Lte ?? double.PositiveInfinity;
                    var gt = range.Gt ?? double.NegativeInfinity;
                    var lt = range.Lt ?? double.PositiveInfinity;
                    var strictLow = range.Gt is not null;
                    var strictHigh = range.Lt is not null;
                    bool InRange(double v) => v >= lo && v <= hi && (!strictLow || v > gt) && (!strictHigh || v < lt);
                    return shard.Column(range.Field) switch
                    {
                        IntegerColumn integers => row => InRange(integers.Values[row]),
                        FloatColumn floats => row => InRange(floats.Values[row]),
                        _ => throw new InvalidOperationException("Range on a non-numeric column passed validation."),
                    };
                }

            case GeoRadiusCondition radius:
                {
                    var geo = (GeoColumn)shard.Column(radius.Field);
                    var center = radius.Center;
                    var meters = radius.RadiusMeters;
                    // A cheap latitude band check before the haversine: one degree of latitude is ~111.2 km everywhere.
                    var maxLatitudeDelta = meters / (VectorMath.EarthRadiusMeters * Math.PI / 180) * 1.001;
                    return row => Math.Abs(geo.Latitudes[row] - center.Latitude) <= maxLatitudeDelta
                        && VectorMath.HaversineMeters(center.Latitude, center.Longitude, geo.Latitudes[row], geo.Longitudes[row]) <= meters;
                }

            case HasIdCondition hasId:
                {
                    var rows = RowsOf(shard, hasId.Ids);
                    return rows.Contains;
                }

            default:
                throw new InvalidOperationException($"Condition {condition.GetType().Name} passed validation but has no compiler.");
        }
    }

    private static Func<int, bool> MatchAny(PayloadColumn column, IReadOnlyList<PayloadValue> values)
    {
        switch (column)
        {
            case KeywordColumn keywords:
                {
                    var allowed = new bool[keywords.LabelCount];
                    foreach (var value in values)
                    {
                        if (keywords.CodeOf(value.KeywordValue!) is var code and >= 0)
                        {
                            allowed[code] = true;
                        }
                    }

                    return row => allowed[keywords.Codes[row]];
                }

            case IntegerColumn integers:
                {
                    var allowed = values.Select(v => v.IntegerValue).ToHashSet();
                    return row => allowed.Contains(integers.Values[row]);
                }

            case BoolColumn flags:
                {
                    var wanted = values[0].BoolValue;
                    return row => flags.Values[row] == wanted;
                }

            default:
                throw new InvalidOperationException("Match on a column that cannot be matched passed validation.");
        }
    }

    private static HashSet<int> RowsOf(TenantShard shard, IEnumerable<string> ids)
    {
        var rows = new HashSet<int>();
        foreach (var id in ids)
        {
            if (shard.TryGetRow(id, out var row))
            {
                rows.Add(row);
            }
        }

        return rows;
    }
}
