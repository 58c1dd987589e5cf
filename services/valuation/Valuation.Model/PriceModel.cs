using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Features;
using Platform.Valuation.Model.Prediction;
using Platform.Valuation.Model.Training;

namespace Platform.Valuation.Model;

/// <summary>
/// A trained price model: feature encoder, boosted trees on log1p(price), split-conformal interval half-width,
/// comparable-sales index and training distribution summary. Thread-safe for prediction.
/// Saved as one zip: <c>price-model.json</c> (everything needed to predict) and <c>model.mlnet</c> (the ML.NET model it came from).
/// </summary>
public sealed class PriceModel
{
    private readonly PriceModelState _s;
    private readonly FeatureEncoder _encoder;
    private readonly InputValidator _validator;
    private readonly int[] _slotGroup;
    private readonly double _expected;
    private readonly BlendMember[]? _members;
    private readonly AdaptiveInterval? _interval;
    [ThreadStatic] private static float[]? _threadFeatures;
    [ThreadStatic] private static double[]? _threadSlots;

    internal PriceModel(PriceModelState state, byte[] mlNetModel)
    {
        _s = state;
        MlNetModel = mlNetModel;
        _encoder = new FeatureEncoder(state.Encoder);
        Inputs = FeatureSpec.For(state.Encoder.Schema, state.Ranges, state.GeoRanges ?? [], state.CategoryShares);
        _validator = new InputValidator(Inputs);
        var groups = _encoder.GroupNames.ToList();
        _slotGroup = [.. _encoder.SlotGroups.Select(g => groups.IndexOf(g))];
        _members = state.Members;
        _interval = state.Interval;
        _expected = _members is null ? state.Ensemble.ExpectedValue : _members.Sum(m => m.Weight * m.ExpectedValue);
    }

    public DatasetSchema Schema => _s.Encoder.Schema;
    /// <summary>The serving model: a trainer name, or the blend's members and weights (e.g. <c>LightGbm:0.6+Ridge:0.4</c>).</summary>
    public string Trainer => _s.Trainer;
    /// <summary>How the model was chosen (search, blend, intervals); null in model files from before the search existed.</summary>
    public PriceTrainingSummary? Training => _s.Training;
    /// <summary>True when interval widths follow each estimate's difficulty rather than one flat width.</summary>
    public bool AdaptiveIntervals => _interval is not null;
    public double IntervalLevel => _s.IntervalLevel;
    /// <summary>
    /// Half-width of the flat interval in log space: the conformal quantile of |log1p(price) − prediction|. With adaptive
    /// intervals each estimate gets its own width and this is kept for comparison.
    /// </summary>
    public double IntervalLogHalfWidth => _s.IntervalLogHalfWidth;
    public int TrainingRows => _s.TrainingRows;
    public IReadOnlyList<FeatureRange> FeatureRanges => _s.Ranges;
    /// <summary>Where the training sales lie: latitude then longitude; empty when the schema has no geo columns.</summary>
    public IReadOnlyList<FeatureRange> GeoRanges => _s.GeoRanges ?? [];
    /// <summary>Deciles of training prices, for drift monitoring.</summary>
    public IReadOnlyList<double> PriceDeciles => _s.PriceDeciles;
    /// <summary>Share of training sales per category level, per categorical column, for drift monitoring.</summary>
    public IReadOnlyList<Dictionary<string, double>> CategoryShares => _s.CategoryShares;
    /// <summary>Mean absolute contribution (log-price units) of each feature group over training sales.</summary>
    public IReadOnlyDictionary<string, double> FeatureImportance => _s.FeatureImportance;
    public IReadOnlyList<string> FeatureNames => _encoder.SlotNames;
    public byte[] MlNetModel { get; }
    internal TreeEnsemble Ensemble => _s.Ensemble;
    internal PriceModelState State => _s;
    internal FeatureEncoder Encoder => _encoder;

    /// <summary>Fast path: the estimate and interval for one row, no explanation. Allocation-free.</summary>
    public (double Estimate, double Low, double High) PredictPrice(SaleRecord row)
    {
        var x = Features(row);
        double f = Score(x);
        double h = HalfWidth(x, f);
        return (double.ExpM1(f), double.ExpM1(f - h), double.ExpM1(f + h));
    }

    /// <summary>The row's encoded slots, plus one spare slot at the end for the difficulty model's estimate input.</summary>
    private float[] Features(SaleRecord row)
    {
        var x = _threadFeatures ??= new float[_encoder.Width + 1];
        if (x.Length != _encoder.Width + 1) x = _threadFeatures = new float[_encoder.Width + 1];
        _encoder.Encode(row, x.AsSpan(0, _encoder.Width));
        return x;
    }

    private double Score(float[] x)
    {
        if (_members is null) return _s.Ensemble.Predict(x);
        double f = 0;
        foreach (var m in _members) f += m.Weight * m.Predict(x);
        return f;
    }

    /// <summary>Half-width in log space: flat, or the conformal scale times this estimate's expected absolute log error.</summary>
    private double HalfWidth(float[] x, double f)
    {
        if (_interval is not { } iv) return _s.IntervalLogHalfWidth;
        x[_encoder.Width] = (float)f;
        return iv.Scale * iv.Sigma(iv.Difficulty.Predict(x));
    }

    /// <summary>Prices one row; with <paramref name="topContributions"/> &gt; 0 also explains it in price units.</summary>
    public PriceEstimate Predict(SaleRecord row, int topContributions = 0)
    {
        if (topContributions <= 0)
        {
            var (e, lo, hi) = PredictPrice(row);
            return new PriceEstimate(e, lo, hi, double.ExpM1(_expected), []);
        }
        var x = Features(row);
        var slots = _threadSlots ??= new double[_encoder.Width];
        if (slots.Length != _encoder.Width) slots = _threadSlots = new double[_encoder.Width];
        Array.Clear(slots);
        double f = ScoreWithContributions(x, slots);
        double h = HalfWidth(x, f);
        Span<double> groups = stackalloc double[_encoder.GroupNames.Count];
        for (int i = 0; i < slots.Length; i++) groups[_slotGroup[i]] += slots[i];
        // Log-mean (Divisia) weighting turns log-space contributions into price amounts that add up exactly
        // to estimate − baseline, without blowing up when contributions cancel.
        double p = Math.Exp(f), p0 = Math.Exp(_expected);
        double logMean = Math.Abs(f - _expected) < 1e-12 ? p : (p - p0) / (f - _expected);
        return new PriceEstimate(double.ExpM1(f), double.ExpM1(f - h), double.ExpM1(f + h),
            double.ExpM1(_expected), TopContributions(groups, logMean, topContributions));
    }

    /// <summary>The blended score; each member adds its contributions scaled by its weight, so they still sum to score − baseline.</summary>
    internal double ScoreWithContributions(ReadOnlySpan<float> x, Span<double> slots)
    {
        if (_members is null) return _s.Ensemble.PredictWithContributions(x, slots);
        double f = 0;
        foreach (var m in _members) f += m.Weight * m.PredictWithContributions(x, slots);
        return f;
    }

    /// <summary>The model's mean output over training sales, in log space: where contributions start from.</summary>
    internal double ExpectedScore => _expected;

    /// <summary>The <paramref name="count"/> largest contributions by size (ties by feature name), largest first.</summary>
    private FeatureContribution[] TopContributions(ReadOnlySpan<double> groups, double logMean, int count)
    {
        var names = _encoder.GroupNames;
        var top = new FeatureContribution[Math.Min(count, groups.Length)];
        int filled = 0;
        for (int g = 0; g < groups.Length; g++)
        {
            var candidate = new FeatureContribution(names[g], groups[g] * logMean);
            int at = filled;
            while (at > 0 && Ranks(candidate, top[at - 1])) at--;
            if (at >= top.Length) continue;
            Array.Copy(top, at, top, at + 1, Math.Min(filled, top.Length - 1) - at);
            top[at] = candidate;
            filled = Math.Min(filled + 1, top.Length);
        }
        return top;

        static bool Ranks(FeatureContribution a, FeatureContribution b)
        {
            double sa = Math.Abs(a.Amount), sb = Math.Abs(b.Amount);
            return sa > sb || (sa == sb && string.CompareOrdinal(a.Feature, b.Feature) < 0);
        }
    }

    public PriceEstimate[] Predict(IReadOnlyList<SaleRecord> rows, int topContributions = 0)
    {
        var result = new PriceEstimate[rows.Count];
        for (int i = 0; i < rows.Count; i++) result[i] = Predict(rows[i], topContributions);
        return result;
    }

    /// <summary>Batch fast path: estimates only. Batches of 256 rows or more are spread over the cores.</summary>
    public void PredictPrices(IReadOnlyList<SaleRecord> rows, double[] estimates)
    {
        if (estimates.Length < rows.Count) throw new ArgumentException("estimates is shorter than rows", nameof(estimates));
        if (rows.Count < 256 || Environment.ProcessorCount == 1)
        {
            for (int i = 0; i < rows.Count; i++) estimates[i] = PredictPrice(rows[i]).Estimate;
            return;
        }
        int chunks = Environment.ProcessorCount;
        Parallel.For(0, chunks, c =>
        {
            int start = (int)((long)rows.Count * c / chunks), end = (int)((long)rows.Count * (c + 1) / chunks);
            for (int i = start; i < end; i++) estimates[i] = PredictPrice(rows[i]).Estimate;
        });
    }

    /// <summary>The k training sales most similar to the row (features and geography), closest first.</summary>
    public IReadOnlyList<ComparableSale> FindComparables(SaleRecord row, int k = 5) => _s.Comparables.Find(row, k);

    /// <summary>The inputs a row gives the model, with their training ranges and categories.</summary>
    public IReadOnlyList<FeatureSpec> Inputs { get; }

    /// <summary>Checks a row against what the model saw in training; see <see cref="InputValidator"/>.</summary>
    public IReadOnlyList<InputIssue> Validate(SaleRecord row, InputPolicy policy) => _validator.Validate(row, policy);

    /// <summary>Checks a row with out-of-range values as warnings; <paramref name="strict"/> makes unseen categories errors.</summary>
    public IReadOnlyList<InputIssue> Validate(SaleRecord row, bool strict = false) => Validate(row, new InputPolicy(StrictCategories: strict));

    public void Save(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var json = zip.CreateEntry(StateEntry, CompressionLevel.Fastest).Open())
            JsonSerializer.Serialize(json, _s, StateJson);
        using var ml = zip.CreateEntry(MlNetEntry, CompressionLevel.Fastest).Open();
        ml.Write(MlNetModel);
    }

    public static PriceModel Load(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var stateEntry = zip.GetEntry(StateEntry) ?? throw new InvalidDataException($"model file has no {StateEntry}");
        PriceModelState state;
        using (var json = stateEntry.Open())
            state = JsonSerializer.Deserialize<PriceModelState>(json, StateJson) ?? throw new InvalidDataException("empty model state");
        if (state.FormatVersion != PriceModelState.CurrentFormat)
            throw new InvalidDataException($"model format {state.FormatVersion} is not supported (expected {PriceModelState.CurrentFormat})");
        var buffer = new MemoryStream();
        using (var ml = (zip.GetEntry(MlNetEntry) ?? throw new InvalidDataException($"model file has no {MlNetEntry}")).Open())
            ml.CopyTo(buffer);
        return new PriceModel(state, buffer.ToArray());
    }

    private const string StateEntry = "price-model.json";
    private const string MlNetEntry = "model.mlnet";

    private static readonly JsonSerializerOptions StateJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        IncludeFields = false,
    };
}

/// <summary>The serialised form of a <see cref="PriceModel"/>.</summary>
internal sealed record PriceModelState
{
    public const int CurrentFormat = 1;
    public int FormatVersion { get; init; } = CurrentFormat;
    public required string Trainer { get; init; }
    public required double IntervalLevel { get; init; }
    public required double IntervalLogHalfWidth { get; init; }
    public required int TrainingRows { get; init; }
    public required FeatureEncoderState Encoder { get; init; }
    /// <summary>The LightGBM trees (the ML.NET model's); the whole serving model when <see cref="Members"/> is null.</summary>
    public required TreeEnsemble Ensemble { get; init; }
    /// <summary>The serving blend (weights sum to one); null means <see cref="Ensemble"/> alone.</summary>
    public BlendMember[]? Members { get; init; }
    /// <summary>Adaptive intervals; null means the flat <see cref="IntervalLogHalfWidth"/>.</summary>
    public AdaptiveInterval? Interval { get; init; }
    public PriceTrainingSummary? Training { get; init; }
    public required ComparablesIndex Comparables { get; init; }
    public required FeatureRange[] Ranges { get; init; }
    /// <summary>Latitude and longitude ranges of the training sales (null without geo columns, or in older model files).</summary>
    public FeatureRange[]? GeoRanges { get; init; }
    public required double[] PriceDeciles { get; init; }
    public required Dictionary<string, double>[] CategoryShares { get; init; }
    public required Dictionary<string, double> FeatureImportance { get; init; }
}

/// <summary>One member of the serving blend: boosted trees or a ridge model, with its weight.</summary>
public sealed record BlendMember
{
    public required string Name { get; init; }
    public required double Weight { get; init; }
    public TreeEnsemble? Trees { get; init; }
    public LinearModel? Linear { get; init; }

    public double Predict(ReadOnlySpan<float> x) => Trees?.Predict(x) ?? Linear!.Predict(x);

    public double PredictWithContributions(ReadOnlySpan<float> x, Span<double> slots) =>
        Trees?.PredictWithContributions(x, slots, Weight) ?? Linear!.PredictWithContributions(x, slots, Weight);

    public double ExpectedValue => Trees?.ExpectedValue ?? Linear!.ExpectedValue;
}

/// <summary>
/// Normalised split-conformal intervals: half-width = <see cref="Scale"/> × σ(x), where σ blends a small tree model of
/// the absolute log error (inputs: the slots and the estimate) with the mean absolute log error.
/// </summary>
public sealed record AdaptiveInterval
{
    public required TreeEnsemble Difficulty { get; init; }
    public required double Shrink { get; init; }
    public required double MeanAbsError { get; init; }
    public required double Floor { get; init; }
    public required double Scale { get; init; }

    public double Sigma(double predictedAbsError) => Shrink * Math.Max(predictedAbsError, Floor) + (1 - Shrink) * MeanAbsError;
}
