using Platform.Valuation.Model.Data;

namespace Platform.TrainingWorkflow.Pipelines.Price;

/// <summary>
/// Distribution of one column: missing share; for numbers the decile edges and the share of rows in each bin they make
/// (the last bin counts missing values; ties make bins uneven, so the shares are kept), for categories their shares.
/// </summary>
public sealed record ColumnProfile(double NullRate, double[]? DecileEdges, double[]? BinShares, Dictionary<string, double>? CategoryShares);

/// <summary>
/// A compact description of a dataset, stored in its snapshot manifest so the next run can measure drift against it
/// without reading the old rows again.
/// </summary>
public sealed record DatasetProfile(int Rows, double MedianPricePerSquareMetre, Dictionary<string, ColumnProfile> Columns)
{
    public const string TargetColumn = "(target)";

    public static DatasetProfile Compute(SalesDataset dataset)
    {
        var rows = dataset.Rows;
        var schema = dataset.Schema;
        var columns = new Dictionary<string, ColumnProfile>(StringComparer.Ordinal)
        {
            [TargetColumn] = Numeric(rows.Select(r => r.Price)),
        };
        for (var j = 0; j < schema.Numeric.Count; j++)
        {
            var index = j;
            columns[schema.Numeric[j]] = Numeric(rows.Select(r => r.Numeric[index]));
        }

        for (var j = 0; j < schema.Categorical.Count; j++)
        {
            var index = j;
            columns[schema.Categorical[j]] = Categorical(rows.Select(r => r.Categorical[index]));
        }

        if (schema.HasGeo)
        {
            columns[schema.Latitude!] = Numeric(rows.Select(r => r.Latitude));
            columns[schema.Longitude!] = Numeric(rows.Select(r => r.Longitude));
        }

        var perSquareMetre = rows.Where(r => r.UsableArea > 0).Select(r => r.Price / r.UsableArea).Order().ToArray();
        return new DatasetProfile(rows.Count, perSquareMetre.Length == 0 ? double.NaN : perSquareMetre[perSquareMetre.Length / 2], columns);
    }

    /// <summary>
    /// Population stability index of <paramref name="current"/> against this (reference) profile, per column present in both.
    /// Numeric columns are binned at the reference deciles plus a "missing" bin; categories unseen in the reference share one bin.
    /// </summary>
    public Dictionary<string, double> Psi(SalesDataset current)
    {
        var now = Compute(current);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (column, reference) in Columns)
        {
            if (!now.Columns.TryGetValue(column, out var actual))
            {
                continue;
            }

            result[column] = reference.DecileEdges is not null
                ? NumericPsi(reference, Values(current, column))
                : CategoricalPsi(reference.CategoryShares ?? [], actual.CategoryShares ?? []);
        }

        return result;
    }

    private static ColumnProfile Numeric(IEnumerable<double> values)
    {
        var all = values.ToArray();
        var present = all.Where(double.IsFinite).Order().ToArray();
        var edges = present.Length == 0
            ? []
            : Enumerable.Range(1, 9).Select(q => present[Math.Min(present.Length - 1, q * present.Length / 10)]).ToArray();
        return new ColumnProfile(all.Length == 0 ? 0 : 1 - (double)present.Length / all.Length, edges, BinShares(edges, all), null);
    }

    private static ColumnProfile Categorical(IEnumerable<string?> values)
    {
        var all = values.ToArray();
        var shares = all.Where(v => v is not null).GroupBy(v => v!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (double)g.Count() / Math.Max(all.Length, 1), StringComparer.Ordinal);
        return new ColumnProfile(all.Length == 0 ? 0 : (double)all.Count(v => v is null) / all.Length, null, null, shares);
    }

    private static double[] Values(SalesDataset dataset, string column)
    {
        var schema = dataset.Schema;
        if (column == TargetColumn)
        {
            return [.. dataset.Rows.Select(r => r.Price)];
        }

        var j = schema.Numeric.ToList().IndexOf(column);
        if (j >= 0)
        {
            return [.. dataset.Rows.Select(r => r.Numeric[j])];
        }

        return column == schema.Latitude ? [.. dataset.Rows.Select(r => r.Latitude)]
            : column == schema.Longitude ? [.. dataset.Rows.Select(r => r.Longitude)]
            : [];
    }

    private static double NumericPsi(ColumnProfile reference, double[] values) =>
        Sum(reference.BinShares ?? [], BinShares(reference.DecileEdges!, values));

    private static double[] BinShares(double[] edges, double[] values)
    {
        var shares = new double[edges.Length + 2];
        foreach (var value in values)
        {
            var bin = double.IsFinite(value) ? UpperBound(edges, value) : shares.Length - 1;
            shares[bin] += 1.0 / values.Length;
        }

        return shares;
    }

    private static double CategoricalPsi(Dictionary<string, double> reference, Dictionary<string, double> current)
    {
        var keys = reference.Keys.ToList();
        var expected = keys.Select(k => reference[k]).Append(0.0).ToArray();
        var actual = keys.Select(k => current.GetValueOrDefault(k)).Append(current.Where(c => !reference.ContainsKey(c.Key)).Sum(c => c.Value)).ToArray();
        return Sum(expected, actual);
    }

    private static int UpperBound(double[] edges, double value)
    {
        var bin = 0;
        while (bin < edges.Length && value >= edges[bin])
        {
            bin++;
        }

        return bin;
    }

    /// <summary>PSI = Σ (a − e)·ln(a / e), with a floor so empty bins do not make it infinite.</summary>
    private static double Sum(double[] expected, double[] actual)
    {
        const double Floor = 1e-4;
        var psi = 0.0;
        for (var i = 0; i < Math.Min(expected.Length, actual.Length); i++)
        {
            var e = Math.Max(expected[i], Floor);
            var a = Math.Max(actual[i], Floor);
            psi += (a - e) * Math.Log(a / e);
        }

        return psi;
    }
}
