using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Features;
using Platform.Valuation.Model.Prediction;

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
    [ThreadStatic] private static float[]? t_features;
    [ThreadStatic] private static double[]? t_slots;

    internal PriceModel(PriceModelState state, byte[] mlNetModel)
    {
        _s = state;
        MlNetModel = mlNetModel;
        _encoder = new FeatureEncoder(state.Encoder);
        _validator = new InputValidator(state.Encoder.Schema, state.Ranges, state.Encoder.Levels);
        var groups = _encoder.GroupNames.ToList();
        _slotGroup = [.. _encoder.SlotGroups.Select(g => groups.IndexOf(g))];
        _expected = state.Ensemble.ExpectedValue;
    }

    public DatasetSchema Schema => _s.Encoder.Schema;
    public string Trainer => _s.Trainer;
    public double IntervalLevel => _s.IntervalLevel;
    /// <summary>Half-width of the interval in log space: the conformal quantile of |log1p(price) − prediction|.</summary>
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
    internal FeatureEncoder Encoder => _encoder;

    /// <summary>Fast path: the estimate and interval for one row, no explanation. Allocation-free.</summary>
    public (double Estimate, double Low, double High) PredictPrice(SaleRecord row)
    {
        var x = t_features ??= new float[_encoder.Width];
        if (x.Length != _encoder.Width) x = t_features = new float[_encoder.Width];
        _encoder.Encode(row, x);
        double f = _s.Ensemble.Predict(x);
        return (double.ExpM1(f), double.ExpM1(f - _s.IntervalLogHalfWidth), double.ExpM1(f + _s.IntervalLogHalfWidth));
    }

    /// <summary>Prices one row; with <paramref name="topContributions"/> &gt; 0 also explains it in price units.</summary>
    public PriceEstimate Predict(SaleRecord row, int topContributions = 0)
    {
        if (topContributions <= 0)
        {
            var (e, lo, hi) = PredictPrice(row);
            return new PriceEstimate(e, lo, hi, double.ExpM1(_expected), []);
        }
        var x = t_features ??= new float[_encoder.Width];
        if (x.Length != _encoder.Width) x = t_features = new float[_encoder.Width];
        _encoder.Encode(row, x);
        var slots = t_slots ??= new double[_encoder.Width];
        if (slots.Length != _encoder.Width) slots = t_slots = new double[_encoder.Width];
        Array.Clear(slots);
        double f = _s.Ensemble.PredictWithContributions(x, slots);
        Span<double> groups = stackalloc double[_encoder.GroupNames.Count];
        for (int i = 0; i < slots.Length; i++) groups[_slotGroup[i]] += slots[i];
        // Log-mean (Divisia) weighting turns log-space contributions into price amounts that add up exactly
        // to estimate − baseline, without blowing up when contributions cancel.
        double p = Math.Exp(f), p0 = Math.Exp(_expected);
        double logMean = Math.Abs(f - _expected) < 1e-12 ? p : (p - p0) / (f - _expected);
        return new PriceEstimate(double.ExpM1(f), double.ExpM1(f - _s.IntervalLogHalfWidth), double.ExpM1(f + _s.IntervalLogHalfWidth),
            double.ExpM1(_expected), TopContributions(groups, logMean, topContributions));
    }

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

    /// <summary>Checks a row against what the model saw in training; see <see cref="InputValidator"/>.</summary>
    public IReadOnlyList<InputIssue> Validate(SaleRecord row, bool strict = false) => _validator.Validate(row, strict);

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
    public required TreeEnsemble Ensemble { get; init; }
    public required ComparablesIndex Comparables { get; init; }
    public required FeatureRange[] Ranges { get; init; }
    /// <summary>Latitude and longitude ranges of the training sales (null without geo columns, or in older model files).</summary>
    public FeatureRange[]? GeoRanges { get; init; }
    public required double[] PriceDeciles { get; init; }
    public required Dictionary<string, double>[] CategoryShares { get; init; }
    public required Dictionary<string, double> FeatureImportance { get; init; }
}
