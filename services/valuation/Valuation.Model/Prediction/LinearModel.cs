namespace Platform.Valuation.Model.Prediction;

/// <summary>
/// A ridge regression over the encoder's slots: skewed non-negative slots (areas, counts, rates) enter as log1p, every
/// input is clipped to its training range so a far-out row cannot extrapolate wildly. Contributions are exact:
/// coefficient × (value − training mean) per slot.
/// </summary>
public sealed record LinearModel
{
    public required double Intercept { get; init; }
    public required int[] Slots { get; init; }
    public required bool[] Log { get; init; }
    public required double[] Coefficients { get; init; }
    public required double[] Means { get; init; }
    public required double[] Low { get; init; }
    public required double[] High { get; init; }
    public required double Lambda { get; init; }

    public double ExpectedValue
    {
        get
        {
            double e = Intercept;
            for (int j = 0; j < Slots.Length; j++) e += Coefficients[j] * Means[j];
            return e;
        }
    }

    public double Value(int j, float raw)
    {
        double v = Log[j] ? Math.Log(1 + Math.Max(raw, 0f)) : raw;
        return Math.Clamp(v, Low[j], High[j]);
    }

    public double Predict(ReadOnlySpan<float> x)
    {
        double sum = Intercept;
        for (int j = 0; j < Slots.Length; j++) sum += Coefficients[j] * Value(j, x[Slots[j]]);
        return sum;
    }

    public double PredictWithContributions(ReadOnlySpan<float> x, Span<double> contributions, double scale)
    {
        double sum = Intercept;
        for (int j = 0; j < Slots.Length; j++)
        {
            double v = Value(j, x[Slots[j]]);
            sum += Coefficients[j] * v;
            contributions[Slots[j]] += scale * Coefficients[j] * (v - Means[j]);
        }
        return sum;
    }
}
