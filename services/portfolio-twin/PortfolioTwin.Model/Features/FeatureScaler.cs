namespace Platform.PortfolioTwin.Model.Features;

/// <summary>
/// Standardises raw features with the training set's mean and standard deviation (indicators stay 0/1);
/// missing values (NaN) become 0, the training mean. Fitted once at training time and saved with the model.
/// </summary>
public sealed class FeatureScaler
{
    public FeatureScaler(float[] mean, float[] scale)
    {
        if (mean.Length != PropertyFeatureBuilder.FeatureCount || scale.Length != PropertyFeatureBuilder.FeatureCount)
        {
            throw new ArgumentException($"a scaler needs {PropertyFeatureBuilder.FeatureCount} means and scales.");
        }
        Mean = mean;
        Scale = scale;
    }

    public float[] Mean { get; }
    public float[] Scale { get; }

    public static FeatureScaler Fit(IReadOnlyList<float[]> rows)
    {
        var count = PropertyFeatureBuilder.FeatureCount;
        var mean = new float[count];
        var scale = new float[count];
        for (var f = 0; f < count; f++)
        {
            if (PropertyFeatureBuilder.IndicatorFeatures.Contains(f))
            {
                scale[f] = 1;
                continue;
            }
            double sum = 0, sumSquares = 0;
            var n = 0;
            foreach (var row in rows)
            {
                var v = row[f];
                if (float.IsNaN(v)) continue;
                sum += v;
                sumSquares += (double)v * v;
                n++;
            }
            var m = n > 0 ? sum / n : 0;
            var variance = n > 1 ? Math.Max(0, sumSquares / n - m * m) : 0;
            mean[f] = (float)m;
            scale[f] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1;
        }
        return new FeatureScaler(mean, scale);
    }

    public void TransformInPlace(Span<float> row)
    {
        for (var f = 0; f < row.Length; f++)
        {
            row[f] = float.IsNaN(row[f]) ? 0 : (row[f] - Mean[f]) / Scale[f];
        }
    }
}
