using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Features;

namespace Platform.Valuation.Model.Prediction;

/// <summary>
/// The training sales kept for comparable-sales evidence. Distance mixes robustly standardised numeric
/// differences, categorical mismatches and geographic distance (scaled by the typical neighbourhood radius),
/// each group weighted equally.
/// </summary>
public sealed record ComparablesIndex
{
    public required string?[] Ids { get; init; }
    public required int[] Lines { get; init; }
    public required double[] Prices { get; init; }
    public required double[][] Numeric { get; init; }
    public required string?[][] Categorical { get; init; }
    public required string?[] Segments { get; init; }
    public required double[] Latitude { get; init; }
    public required double[] Longitude { get; init; }
    public required double[] NumericScale { get; init; }
    public double GeoScaleKm { get; init; }
    public double ReferenceLatitude { get; init; }

    public static ComparablesIndex Build(IReadOnlyList<SaleRecord> rows)
    {
        int nNum = rows.Count == 0 ? 0 : rows[0].Numeric.Length;
        var scale = new double[nNum];
        for (int j = 0; j < nNum; j++)
        {
            var v = rows.Select(r => r.Numeric[j]).Where(double.IsFinite).ToArray();
            double iqr = Stats.Quantile(v, 0.75, 0) - Stats.Quantile(v, 0.25, 0);
            double mean = v.Length > 0 ? v.Average() : 0;
            double sd = v.Length > 1 ? Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()) : 0;
            scale[j] = iqr > 0 ? iqr / 1.349 : sd > 0 ? sd : 1;
        }
        var lat = rows.Select(r => r.Latitude).ToArray();
        var lon = rows.Select(r => r.Longitude).ToArray();
        var geo = Enumerable.Range(0, rows.Count).Where(i => double.IsFinite(lat[i]) && double.IsFinite(lon[i])).ToArray();
        double refLat = geo.Length > 0 ? geo.Average(i => lat[i]) : 0;
        return new ComparablesIndex
        {
            Ids = [.. rows.Select(r => r.Id)],
            Lines = [.. rows.Select(r => r.Line)],
            Prices = [.. rows.Select(r => r.Price)],
            Numeric = [.. rows.Select(r => r.Numeric)],
            Categorical = [.. rows.Select(r => r.Categorical)],
            Segments = [.. rows.Select(r => r.Segment)],
            Latitude = lat,
            Longitude = lon,
            NumericScale = scale,
            GeoScaleKm = TypicalNeighbourRadius(lat, lon, geo, refLat),
            ReferenceLatitude = refLat,
        };
    }

    public IReadOnlyList<ComparableSale> Find(SaleRecord row, int k)
    {
        if (k <= 0) return [];
        int n = Prices.Length;
        var distance = new double[n];
        bool rowHasGeo = double.IsFinite(row.Latitude) && double.IsFinite(row.Longitude);
        var (qx, qy) = rowHasGeo ? KdTree2D.ToKilometres(row.Latitude, row.Longitude, ReferenceLatitude) : (0, 0);
        var km = new double[n];
        for (int i = 0; i < n; i++)
        {
            double num = 0;
            for (int j = 0; j < NumericScale.Length; j++)
            {
                double a = row.Numeric[j], b = Numeric[i][j];
                double z = double.IsFinite(a) && double.IsFinite(b) ? (a - b) / NumericScale[j] : 1;
                num += z * z;
            }
            double cat = 0;
            for (int j = 0; j < row.Categorical.Length; j++)
                if (!string.Equals(row.Categorical[j], Categorical[i][j], StringComparison.Ordinal)) cat += 1;
            double total = (NumericScale.Length > 0 ? num / NumericScale.Length : 0) + (row.Categorical.Length > 0 ? cat / row.Categorical.Length : 0);
            km[i] = double.NaN;
            if (rowHasGeo && double.IsFinite(Latitude[i]))
            {
                var (x, y) = KdTree2D.ToKilometres(Latitude[i], Longitude[i], ReferenceLatitude);
                km[i] = Math.Sqrt((x - qx) * (x - qx) + (y - qy) * (y - qy));
                double g = km[i] / GeoScaleKm;
                total += g * g;
            }
            distance[i] = Math.Sqrt(total);
        }
        var order = Enumerable.Range(0, n).OrderBy(i => distance[i]).ThenBy(i => i).Take(k);
        return [.. order.Select(i => new ComparableSale(Ids[i], Lines[i], Prices[i], distance[i], double.IsNaN(km[i]) ? null : km[i], Segments[i])
        {
            Latitude = double.IsFinite(Latitude[i]) ? Latitude[i] : null,
            Longitude = double.IsFinite(Longitude[i]) ? Longitude[i] : null,
        })];
    }

    private static double TypicalNeighbourRadius(double[] lat, double[] lon, int[] geo, double refLat)
    {
        if (geo.Length < 2) return 1;
        var x = new double[lat.Length];
        var y = new double[lat.Length];
        foreach (var i in geo) (x[i], y[i]) = KdTree2D.ToKilometres(lat[i], lon[i], refLat);
        var tree = new KdTree2D(x, y, geo);
        int k = Math.Min(10, geo.Length - 1);
        Span<int> idx = stackalloc int[k];
        Span<double> d2 = stackalloc double[k];
        var radius = new List<double>();
        for (int s = 0; s < Math.Min(geo.Length, 2000); s++)
        {
            int i = geo[(int)((long)s * geo.Length / Math.Min(geo.Length, 2000))];
            int found = tree.Query(x[i], y[i], idx, d2, exclude: i);
            if (found > 0) radius.Add(Math.Sqrt(d2[found - 1]));
        }
        double median = Stats.Quantile([.. radius], 0.5, 1);
        return median > 0 ? median : 1;
    }
}
