using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Model.Prediction;

public enum FeatureKind
{
    Numeric,
    Categorical,

    /// <summary>A date, sent as an ISO 8601 string.</summary>
    Date,
}

/// <summary>Where a feature's value lives in a <see cref="SaleRecord"/>.</summary>
public enum FeatureSlot
{
    /// <summary><see cref="SaleRecord.Numeric"/>[<see cref="FeatureSpec.Index"/>].</summary>
    Numeric,

    /// <summary><see cref="SaleRecord.Categorical"/>[<see cref="FeatureSpec.Index"/>].</summary>
    Categorical,
    Latitude,
    Longitude,
    UsableArea,
    TotalArea,
    YearBuilt,
    Segment,
    SaleDate,
}

/// <summary>
/// An input the model reads, with what training saw of it (range or categories) so a row can be checked against it, and
/// the slot of the <see cref="SaleRecord"/> that holds it.
/// </summary>
public sealed record FeatureSpec(
    string Name,
    FeatureKind Kind,
    bool Required,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Categories = null)
{
    public FeatureSlot Slot { get; init; } = Kind switch
    {
        FeatureKind.Numeric => FeatureSlot.Numeric,
        FeatureKind.Date => FeatureSlot.SaleDate,
        _ => FeatureSlot.Categorical,
    };

    /// <summary>Position in <see cref="SaleRecord.Numeric"/> or <see cref="SaleRecord.Categorical"/> for those slots.</summary>
    public int Index { get; init; }

    /// <summary>Hint slots (e.g. <see cref="FeatureSlot.UsableArea"/>) that hold the same value, as the CSV reader fills them.</summary>
    public IReadOnlyList<FeatureSlot> AlsoIn { get; init; } = [];

    /// <summary>The feature's number in <paramref name="row"/>; NaN when absent (or not a number slot).</summary>
    public double NumberIn(SaleRecord row) => Slot switch
    {
        FeatureSlot.Numeric => Index < row.Numeric.Length ? row.Numeric[Index] : double.NaN,
        FeatureSlot.Latitude => row.Latitude,
        FeatureSlot.Longitude => row.Longitude,
        FeatureSlot.UsableArea => row.UsableArea,
        FeatureSlot.TotalArea => row.TotalArea,
        FeatureSlot.YearBuilt => row.YearBuilt,
        _ => double.NaN,
    };

    /// <summary>The feature's category in <paramref name="row"/>; null when absent (or not a category slot).</summary>
    public string? CategoryIn(SaleRecord row) => Slot switch
    {
        FeatureSlot.Categorical => Index < row.Categorical.Length ? row.Categorical[Index] : null,
        FeatureSlot.Segment => row.Segment,
        _ => null,
    };

    public bool IsAbsentIn(SaleRecord row) => Kind switch
    {
        FeatureKind.Numeric => double.IsNaN(NumberIn(row)),
        FeatureKind.Date => row.SaleDate is null,
        _ => CategoryIn(row) is null,
    };

    /// <summary>
    /// The inputs of a model trained on <paramref name="schema"/>: numeric columns with their training range (required when
    /// never missing in training), categorical ones with the categories seen, the location (required: a place outside the
    /// area learned from is out of range like any other feature) and the hint columns the schema does not list already.
    /// </summary>
    public static IReadOnlyList<FeatureSpec> For(
        DatasetSchema schema,
        IReadOnlyList<FeatureRange> ranges,
        IReadOnlyList<FeatureRange> geoRanges,
        IReadOnlyList<IReadOnlyDictionary<string, double>> categoryShares)
    {
        var features = new List<FeatureSpec>();
        for (var j = 0; j < schema.Numeric.Count; j++)
        {
            var range = ranges[j];
            var hasRange = double.IsFinite(range.Min) && double.IsFinite(range.Max);
            // A feature never missing in training has no learned fallback: it must be sent.
            features.Add(new FeatureSpec(schema.Numeric[j], FeatureKind.Numeric, Required: range.MissingShare == 0,
                hasRange ? range.Min : null, hasRange ? range.Max : null)
            { Index = j });
        }

        for (var j = 0; j < schema.Categorical.Count; j++)
        {
            var shares = categoryShares[j];
            features.Add(new FeatureSpec(schema.Categorical[j], FeatureKind.Categorical, Required: !shares.ContainsKey(MissingCategory),
                Categories: [.. shares.Keys.Where(k => k != MissingCategory).Order(StringComparer.Ordinal)])
            { Index = j });
        }

        if (schema.HasGeo)
        {
            foreach (var (column, index, slot) in new[] { (schema.Latitude!, 0, FeatureSlot.Latitude), (schema.Longitude!, 1, FeatureSlot.Longitude) })
            {
                var range = geoRanges.ElementAtOrDefault(index);
                var hasRange = range is not null && double.IsFinite(range.Min) && double.IsFinite(range.Max);
                features.Add(new FeatureSpec(column, FeatureKind.Numeric, Required: true, hasRange ? range!.Min : null, hasRange ? range!.Max : null)
                {
                    Slot = slot,
                });
            }
        }

        // Hint columns (areas, year built, segment) the schema lists already fill their hint slot too; the others are optional features.
        foreach (var (column, slot, kind) in new[]
        {
            (schema.UsableArea, FeatureSlot.UsableArea, FeatureKind.Numeric),
            (schema.TotalArea, FeatureSlot.TotalArea, FeatureKind.Numeric),
            (schema.YearBuilt, FeatureSlot.YearBuilt, FeatureKind.Numeric),
            (schema.Segment, FeatureSlot.Segment, FeatureKind.Categorical),
        })
        {
            if (column is null)
            {
                continue;
            }

            var listed = features.FindIndex(f => f.Name == column);
            if (listed < 0)
            {
                features.Add(new FeatureSpec(column, kind, Required: false) { Slot = slot });
            }
            else if (features[listed].Kind == kind)
            {
                features[listed] = features[listed] with { AlsoIn = [.. features[listed].AlsoIn, slot] };
            }
        }

        if (schema.Date?.Column is { } date && !features.Exists(f => f.Name == date))
        {
            features.Add(new FeatureSpec(date, FeatureKind.Date, Required: false));
        }

        return features;
    }

    /// <summary>The trainer records a missing category under this key of the category shares.</summary>
    public const string MissingCategory = "(missing)";
}

/// <summary>
/// Fills a <see cref="SaleRecord"/> feature by feature, for rows that arrive by name (a JSON request) rather than in schema
/// order (a CSV file).
/// </summary>
public sealed class SaleRecordBuilder
{
    private readonly double[] _numeric;
    private readonly string?[] _categorical;
    private double _latitude = double.NaN;
    private double _longitude = double.NaN;
    private double _usableArea = double.NaN;
    private double _totalArea = double.NaN;
    private double _yearBuilt = double.NaN;
    private string? _segment;
    private DateTime? _date;

    public SaleRecordBuilder(IReadOnlyList<FeatureSpec> features)
    {
        _numeric = new double[SlotCount(features, FeatureSlot.Numeric)];
        _categorical = new string?[SlotCount(features, FeatureSlot.Categorical)];
        Array.Fill(_numeric, double.NaN);
    }

    public void Set(FeatureSpec feature, double value)
    {
        Set(feature.Slot, feature.Index, value);
        foreach (var slot in feature.AlsoIn)
        {
            Set(slot, feature.Index, value);
        }
    }

    public void Set(FeatureSpec feature, string category)
    {
        Set(feature.Slot, feature.Index, category);
        foreach (var slot in feature.AlsoIn)
        {
            Set(slot, feature.Index, category);
        }
    }

    public void Set(FeatureSpec feature, DateTime date) =>
        _date = feature.Slot == FeatureSlot.SaleDate ? date : throw new ArgumentException($"'{feature.Name}' is not a date feature.", nameof(feature));

    public SaleRecord Build(string? id) => new()
    {
        Id = id,
        Numeric = _numeric,
        Categorical = _categorical,
        Latitude = _latitude,
        Longitude = _longitude,
        UsableArea = _usableArea,
        TotalArea = _totalArea,
        YearBuilt = _yearBuilt,
        Segment = _segment,
        SaleDate = _date,
    };

    private void Set(FeatureSlot slot, int index, double value)
    {
        switch (slot)
        {
            case FeatureSlot.Numeric: _numeric[index] = value; break;
            case FeatureSlot.Latitude: _latitude = value; break;
            case FeatureSlot.Longitude: _longitude = value; break;
            case FeatureSlot.UsableArea: _usableArea = value; break;
            case FeatureSlot.TotalArea: _totalArea = value; break;
            case FeatureSlot.YearBuilt: _yearBuilt = value; break;
            default: throw new ArgumentException($"{slot} does not hold a number.", nameof(slot));
        }
    }

    private void Set(FeatureSlot slot, int index, string category)
    {
        switch (slot)
        {
            case FeatureSlot.Categorical: _categorical[index] = category; break;
            case FeatureSlot.Segment: _segment = category; break;
            default: throw new ArgumentException($"{slot} does not hold a category.", nameof(slot));
        }
    }

    private static int SlotCount(IReadOnlyList<FeatureSpec> features, FeatureSlot slot)
    {
        var count = 0;
        foreach (var feature in features)
        {
            if (feature.Slot == slot)
            {
                count = Math.Max(count, feature.Index + 1);
            }
        }

        return count;
    }
}
