namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// A validated <see cref="VectorFilter"/> compiled against one shard into a row predicate: labels resolved to codes, ids to
/// rows, so the scan compares primitives. Compiled under the shard's read lock and used within it.
/// </summary>
internal static class RowFilter
{
    /// <summary>
    /// The rows the filter admits, as a mask rented from the shared pool (return it with <see cref="Release"/>), or null when
    /// every row is admitted. The top level's leaf conditions are applied column by column in tight loops over the primitive
    /// arrays (the common case: a few musts); nested filters, should and must_not fall back to a per-row predicate.
    /// </summary>
    public static bool[]? Mask(TenantShard shard, FilterCondition? condition, IReadOnlyCollection<string>? excludedIds)
    {
        var filter = condition as VectorFilter ?? (condition is null ? null : VectorFilter.All(condition));
        if ((filter is null || filter.IsEmpty) && excludedIds is not { Count: > 0 })
        {
            return null;
        }

        var count = shard.Count;
        var mask = System.Buffers.ArrayPool<bool>.Shared.Rent(Math.Max(count, 1));
        mask.AsSpan(0, count).Fill(true);
        if (filter is not null)
        {
            foreach (var must in filter.Must)
            {
                And(shard, must, mask, count);
            }

            foreach (var mustNot in filter.MustNot)
            {
                // Excluded ids (a user's dealt and disliked properties) clear their rows directly instead of testing every row.
                if (mustNot is HasIdCondition excluded)
                {
                    foreach (var row in RowsOf(shard, excluded.Ids))
                    {
                        mask[row] = false;
                    }

                    continue;
                }

                var test = Compile(shard, mustNot);
                for (var row = 0; row < count; row++)
                {
                    if (mask[row] && test(row))
                    {
                        mask[row] = false;
                    }
                }
            }

            if (filter.Should.Count > 0)
            {
                var tests = filter.Should.Select(c => Compile(shard, c)).ToArray();
                for (var row = 0; row < count; row++)
                {
                    if (mask[row] && !AnyHolds(tests, row))
                    {
                        mask[row] = false;
                    }
                }
            }
        }

        foreach (var row in RowsOf(shard, excludedIds ?? []))
        {
            mask[row] = false;
        }

        return mask;
    }

    public static void Release(bool[]? mask)
    {
        if (mask is not null)
        {
            System.Buffers.ArrayPool<bool>.Shared.Return(mask);
        }
    }

    /// <summary>Clears the rows that fail one condition, with a loop specialised to the condition and column type.</summary>
    private static void And(TenantShard shard, FilterCondition condition, bool[] mask, int count)
    {
        switch (condition)
        {
            case MatchCondition or MatchAnyCondition when shard.Column(condition is MatchCondition m ? m.Field : ((MatchAnyCondition)condition).Field) is KeywordColumn keywords:
                {
                    var values = condition is MatchCondition one ? [one.Value] : ((MatchAnyCondition)condition).Values;
                    var allowed = new bool[keywords.LabelCount];
                    foreach (var value in values)
                    {
                        if (keywords.CodeOf(value.KeywordValue!) is var code and >= 0)
                        {
                            allowed[code] = true;
                        }
                    }

                    var codes = keywords.Codes;
                    for (var row = 0; row < count; row++)
                    {
                        mask[row] &= allowed[codes[row]];
                    }

                    return;
                }

            case RangeCondition range:
                {
                    var lo = range.Gte ?? double.NegativeInfinity;
                    var hi = range.Lte ?? double.PositiveInfinity;
                    var gt = range.Gt ?? double.NegativeInfinity;
                    var lt = range.Lt ?? double.PositiveInfinity;
                    switch (shard.Column(range.Field))
                    {
                        case FloatColumn floats:
                            var doubles = floats.Values;
                            for (var row = 0; row < count; row++)
                            {
                                var v = doubles[row];
                                mask[row] &= v >= lo && v <= hi && v > gt && v < lt;
                            }

                            return;
                        case IntegerColumn integers:
                            var longs = integers.Values;
                            for (var row = 0; row < count; row++)
                            {
                                double v = longs[row];
                                mask[row] &= v >= lo && v <= hi && v > gt && v < lt;
                            }

                            return;
                    }

                    break;
                }
        }

        // Everything else (geo, ids, integer or bool matches, nested filters): a per-row test of the rows still admitted.
        var test = Compile(shard, condition);
        for (var row = 0; row < count; row++)
        {
            if (mask[row] && !test(row))
            {
                mask[row] = false;
            }
        }
    }

    private static bool AnyHolds(Func<int, bool>[] tests, int row)
    {
        foreach (var test in tests)
        {
            if (test(row))
            {
                return true;
            }
        }

        return false;
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
