using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Model.Features;

/// <summary>
/// Turns a <see cref="SaleRecord"/> into the model's float vector: median-filled numerics with missing flags,
/// categorical codes, smoothed target means and one-hot slots, geo coordinates with neighbourhood price levels,
/// derived ratios and date parts. Encodings that use prices are computed out-of-fold for training rows so a
/// sale never sees its own price; new rows use all training sales.
/// </summary>
public sealed class FeatureEncoder
{
    private readonly FeatureEncoderState _s;
    private readonly Dictionary<string, int>[] _levelIndex;
    private readonly Dictionary<string, double>[] _targetMeans;
    private readonly KdTree2D? _neighbours;
    private readonly double[] _px = [], _py = [];
    private readonly DatasetSchema _schema;

    public FeatureEncoder(FeatureEncoderState state)
    {
        _s = state;
        _schema = state.Schema;
        _levelIndex = [.. state.Levels.Select(l => l.Select((v, i) => (v, i)).ToDictionary(t => t.v, t => t.i, StringComparer.Ordinal))];
        _targetMeans = [.. state.TargetMeans.Select(m => new Dictionary<string, double>(m, StringComparer.Ordinal))];
        if (state.PointLatitude.Length > 0)
        {
            (_px, _py) = Project(state.PointLatitude, state.PointLongitude, state.ReferenceLatitude);
            _neighbours = new KdTree2D(_px, _py, Enumerable.Range(0, _px.Length).ToArray());
        }
        (SlotNames, SlotGroups) = Layout(state);
        GroupNames = [.. SlotGroups.Distinct()];
    }

    public FeatureEncoderState State => _s;
    public int Width => SlotNames.Count;
    public IReadOnlyList<string> SlotNames { get; }
    /// <summary>The schema column (or derived feature) each slot belongs to; explanations add slots up per group.</summary>
    public IReadOnlyList<string> SlotGroups { get; }
    public IReadOnlyList<string> GroupNames { get; }

    /// <summary>Learns the encoding from training sales and returns their out-of-fold feature vectors.</summary>
    public static (FeatureEncoder Encoder, float[][] Features) FitTransform(
        IReadOnlyList<SaleRecord> rows, DatasetSchema schema, FeatureEncoderOptions options)
    {
        if (rows.Count == 0) throw new ArgumentException("no training rows", nameof(rows));
        var logPrice = rows.Select(r => Math.Log(r.Price)).ToArray();
        double globalMean = logPrice.Average();
        int folds = Math.Clamp(options.Folds, 2, rows.Count);
        var fold = AssignFolds(rows.Count, folds, options.Seed);

        var medians = new double[schema.Numeric.Count];
        var hasMissing = new bool[schema.Numeric.Count];
        for (int j = 0; j < medians.Length; j++)
        {
            var present = rows.Select(r => r.Numeric[j]).Where(v => !double.IsNaN(v)).ToArray();
            medians[j] = present.Length == 0 ? 0 : Stats.Quantile(present, 0.5);
            hasMissing[j] = present.Length < rows.Count;
        }

        var levels = new string[schema.Categorical.Count][];
        var fullMeans = new Dictionary<string, double>[schema.Categorical.Count];
        for (int j = 0; j < levels.Length; j++)
        {
            levels[j] = [.. rows.Select(r => r.Categorical[j]).OfType<string>()
                .GroupBy(v => v, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Key)];
            fullMeans[j] = TargetMeans(rows, logPrice, j, _ => true, globalMean, options.TargetEncodingSmoothing);
        }

        bool geo = schema.HasGeo;
        var geoRows = geo ? Enumerable.Range(0, rows.Count).Where(i => HasPoint(rows[i])).ToArray() : [];
        double refLat = geoRows.Length > 0 ? geoRows.Average(i => rows[i].Latitude) : 0;
        bool area = schema.UsableArea is not null;
        var state = new FeatureEncoderState
        {
            Schema = schema,
            Options = options,
            NumericMedians = medians,
            NumericHasMissing = hasMissing,
            Levels = levels,
            OneHot = [.. levels.Select(l => l.Length <= options.MaxOneHotLevels)],
            TargetMeans = fullMeans,
            GlobalLogPrice = globalMean,
            ReferenceLatitude = refLat,
            PointLatitude = [.. geoRows.Select(i => rows[i].Latitude)],
            PointLongitude = [.. geoRows.Select(i => rows[i].Longitude)],
            PointLogPrice = [.. geoRows.Select(i => logPrice[i])],
            PointLogPricePerArea = area ? [.. geoRows.Select(i => LogPerArea(rows[i]))] : [],
            MedianUsableArea = area ? Stats.Quantile([.. rows.Select(r => r.UsableArea).Where(v => v > 0)], 0.5, 0) : 0,
            MedianTotalArea = schema.TotalArea is null ? 0 : Stats.Quantile([.. rows.Select(r => r.TotalArea).Where(v => v > 0)], 0.5, 0),
        };
        var encoder = new FeatureEncoder(state);

        // Out-of-fold: each fold's price-based encodings come from the other folds only.
        var features = new float[rows.Count][];
        var (allX, allY) = Project(
            [.. rows.Select(r => HasPoint(r) ? r.Latitude : 0)], [.. rows.Select(r => HasPoint(r) ? r.Longitude : 0)], refLat);
        var pointPerArea = area ? [.. rows.Select(LogPerArea)] : Array.Empty<double>();
        for (int f = 0; f < folds; f++)
        {
            int current = f;
            var means = new Dictionary<string, double>[levels.Length];
            for (int j = 0; j < levels.Length; j++)
                means[j] = TargetMeans(rows, logPrice, j, i => fold[i] != current, globalMean, options.TargetEncodingSmoothing);
            var members = geoRows.Where(i => fold[i] != current).ToArray();
            var tree = members.Length > 0 ? new KdTree2D(allX, allY, members) : null;
            var neighbourhood = tree is null ? null : new Neighbourhood(tree, logPrice, pointPerArea);
            for (int i = 0; i < rows.Count; i++)
            {
                if (fold[i] != f) continue;
                features[i] = new float[encoder.Width];
                encoder.Encode(rows[i], features[i], means, neighbourhood);
            }
        }
        return (encoder, features);
    }

    /// <summary>Encodes a row to be priced, using all training sales; does not allocate.</summary>
    public void Encode(SaleRecord row, Span<float> destination) =>
        Encode(row, destination, _targetMeans,
            _neighbours is null ? null : new Neighbourhood(_neighbours, _s.PointLogPrice, _s.PointLogPricePerArea));

    private void Encode(SaleRecord row, Span<float> d, Dictionary<string, double>[] targetMeans, Neighbourhood? neighbourhood)
    {
        if (d.Length != Width) throw new ArgumentException($"destination must have {Width} slots", nameof(d));
        if (row.Numeric.Length != _s.NumericMedians.Length || row.Categorical.Length != _s.Levels.Length)
            throw new ArgumentException(
                $"row has {row.Numeric.Length} numeric / {row.Categorical.Length} categorical values; " +
                $"schema has {_s.NumericMedians.Length} / {_s.Levels.Length}");
        int k = 0;
        for (int j = 0; j < _s.NumericMedians.Length; j++)
        {
            double v = row.Numeric[j];
            bool missing = !double.IsFinite(v);
            d[k++] = (float)(missing ? _s.NumericMedians[j] : v);
            if (_s.NumericHasMissing[j]) d[k++] = missing ? 1 : 0;
        }
        for (int j = 0; j < _s.Levels.Length; j++)
        {
            var value = row.Categorical[j];
            int level = value is not null && _levelIndex[j].TryGetValue(value, out var li) ? li : -1;
            d[k++] = level;
            d[k++] = (float)(value is not null && targetMeans[j].TryGetValue(value, out var m) ? m : _s.GlobalLogPrice);
            if (_s.OneHot[j])
            {
                for (int l = 0; l < _s.Levels[j].Length; l++) d[k++] = l == level ? 1 : 0;
            }
        }
        if (_schema.HasGeo)
        {
            bool has = HasPoint(row);
            var (x, y) = has ? KdTree2D.ToKilometres(row.Latitude, row.Longitude, _s.ReferenceLatitude) : (double.NaN, double.NaN);
            // Rotated axes let axis-aligned tree splits follow diagonal neighbourhood borders.
            d[k++] = has ? (float)x : 0;
            d[k++] = has ? (float)y : 0;
            d[k++] = has ? (float)(x + y) : 0;
            d[k++] = has ? (float)(x - y) : 0;
            double nPrice = _s.GlobalLogPrice, nPerArea = double.NaN, nDistance = 0;
            if (has && neighbourhood is { } nb) nb.Describe(x, y, _s.Options.Neighbours, out nPrice, out nPerArea, out nDistance);
            d[k++] = (float)nPrice;
            d[k++] = (float)Math.Log(1 + nDistance);
            if (_schema.UsableArea is not null)
            {
                double a = row.UsableArea > 0 ? row.UsableArea : _s.MedianUsableArea;
                double perArea = double.IsNaN(nPerArea) ? _s.GlobalLogPrice - Math.Log(Math.Max(_s.MedianUsableArea, 1)) : nPerArea;
                d[k++] = (float)perArea;
                // The neighbourhood's price per area times this home's area: the appraiser's first guess.
                d[k++] = (float)(perArea + Math.Log(Math.Max(a, 1)));
            }
        }
        if (_schema.UsableArea is not null && _schema.TotalArea is not null)
        {
            double u = row.UsableArea > 0 ? row.UsableArea : _s.MedianUsableArea;
            double t = row.TotalArea > 0 ? row.TotalArea : _s.MedianTotalArea;
            d[k++] = t > 0 ? (float)(u / t) : 0;
        }
        if (_schema.YearBuilt is not null)
        {
            double built = row.YearBuilt;
            double saleYear = row.SaleDate is { } sd ? DecimalYear(sd) : double.NaN;
            d[k++] = double.IsNaN(built) ? -1 : double.IsNaN(saleYear) ? (float)built : (float)(saleYear - built);
        }
        if (_schema.Date is not null)
        {
            d[k++] = row.SaleDate is { } sd ? (float)DecimalYear(sd) : 0;
            d[k++] = row.SaleDate is { } sm ? sm.Month : 0;
        }
    }

    private static (List<string> Names, List<string> Groups) Layout(FeatureEncoderState s)
    {
        var names = new List<string>();
        var groups = new List<string>();
        void Add(string name, string group) { names.Add(name); groups.Add(group); }
        var schema = s.Schema;
        for (int j = 0; j < schema.Numeric.Count; j++)
        {
            Add(schema.Numeric[j], schema.Numeric[j]);
            if (s.NumericHasMissing[j]) Add(schema.Numeric[j] + ":missing", schema.Numeric[j]);
        }
        for (int j = 0; j < schema.Categorical.Count; j++)
        {
            var c = schema.Categorical[j];
            Add(c + ":code", c);
            Add(c + ":price_level", c);
            if (s.OneHot[j]) foreach (var level in s.Levels[j]) Add($"{c}={level}", c);
        }
        if (schema.HasGeo)
        {
            foreach (var n in new[] { "x_km", "y_km", "x_plus_y", "x_minus_y", "neighbourhood_price_level", "neighbourhood_radius" })
                Add(n, "location");
            if (schema.UsableArea is not null)
            {
                Add("neighbourhood_price_per_area", "location");
                Add("neighbourhood_price_for_area", "location");
            }
        }
        if (schema.UsableArea is not null && schema.TotalArea is not null) Add("usable_to_total_area", "usable_to_total_area");
        if (schema.YearBuilt is not null) Add("age_at_sale", "age_at_sale");
        if (schema.Date is not null)
        {
            Add("sale_year", "sale_date");
            Add("sale_month", "sale_date");
        }
        return (names, groups);
    }

    private static Dictionary<string, double> TargetMeans(
        IReadOnlyList<SaleRecord> rows, double[] logPrice, int column, Func<int, bool> include, double prior, double smoothing)
    {
        var sums = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        for (int i = 0; i < rows.Count; i++)
        {
            if (!include(i) || rows[i].Categorical[column] is not { } v) continue;
            var (s, c) = sums.GetValueOrDefault(v);
            sums[v] = (s + logPrice[i], c + 1);
        }
        return sums.ToDictionary(kv => kv.Key, kv => (kv.Value.Sum + smoothing * prior) / (kv.Value.Count + smoothing), StringComparer.Ordinal);
    }

    internal static int[] AssignFolds(int n, int folds, int seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var fold = new int[n];
        for (int i = 0; i < n; i++) fold[order[i]] = i % folds;
        return fold;
    }

    private static bool HasPoint(SaleRecord r) => double.IsFinite(r.Latitude) && double.IsFinite(r.Longitude);

    private static double LogPerArea(SaleRecord r) => r.UsableArea > 0 ? Math.Log(r.Price / r.UsableArea) : double.NaN;

    private static double DecimalYear(DateTime d) => d.Year + (d.DayOfYear - 1) / 365.25;

    private static (double[] X, double[] Y) Project(double[] lat, double[] lon, double refLat)
    {
        var x = new double[lat.Length];
        var y = new double[lat.Length];
        for (int i = 0; i < lat.Length; i++) (x[i], y[i]) = KdTree2D.ToKilometres(lat[i], lon[i], refLat);
        return (x, y);
    }

    /// <summary>Price level of the sales nearest a point.</summary>
    private sealed class Neighbourhood(KdTree2D tree, double[] logPrice, double[] logPerArea)
    {
        public void Describe(double px, double py, int k, out double meanLogPrice, out double meanLogPerArea, out double radiusKm)
        {
            k = Math.Min(k, Math.Min(tree.Count, 64));
            Span<int> idx = stackalloc int[k];
            Span<double> d2 = stackalloc double[k];
            int n = tree.Query(px, py, idx, d2);
            double sum = 0, sumArea = 0;
            int nArea = 0;
            for (int i = 0; i < n; i++)
            {
                sum += logPrice[idx[i]];
                if (logPerArea.Length > 0 && !double.IsNaN(logPerArea[idx[i]])) { sumArea += logPerArea[idx[i]]; nArea++; }
            }
            meanLogPrice = n > 0 ? sum / n : double.NaN;
            meanLogPerArea = nArea > 0 ? sumArea / nArea : double.NaN;
            radiusKm = n > 0 ? Math.Sqrt(d2[n - 1]) : 0;
        }
    }
}
