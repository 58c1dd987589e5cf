using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Model.Data;

namespace Platform.Valuation.Api.Monitoring;

public static class DriftLevels
{
    public const string InsufficientData = "insufficient_data";
    public const string None = "none";
    public const string Warning = "warning";
    public const string Alert = "alert";

    public static int Rank(string level) => level switch
    {
        Warning => 1,
        Alert => 2,
        _ => 0,
    };
}

/// <summary>One feature's drift; KS applies to numeric features only.</summary>
public sealed record FeatureDrift(string Feature, int Samples, double Psi, double? Ks, double? KsPValue, string Level);

public sealed record DriftReport(
    string Model,
    int? ModelVersion,
    DateTimeOffset EvaluatedAt,
    int WindowRows,
    int MinSamples,
    double WarningPsi,
    double AlertPsi,
    string Level,
    IReadOnlyList<FeatureDrift> Features);

/// <summary>Published on <see cref="Topics.DriftAlerts"/> when drift rises to a warning or an alert.</summary>
public sealed record DriftAlert(string Model, int ModelVersion, string Level, DateTimeOffset EvaluatedAt, IReadOnlyList<FeatureDrift> Features);

/// <summary>
/// Compares a rolling window of accepted request rows with the training distribution stored in the model, per numeric
/// feature: PSI over training deciles and the two-sample KS test. Re-evaluated every <c>DriftCheckEveryRows</c> rows off the
/// request path; a rise to warning (PSI ≥ 0.1) or alert (PSI ≥ 0.25) is published once until drift falls back.
/// Categorical features get PSI over their training categories (unseen ones pooled in one bin).
/// </summary>
public sealed class DriftMonitor(
    IOptionsMonitor<ValuationOptions> options,
    IEventPublisher publisher,
    TimeProvider time,
    ILogger<DriftMonitor> logger)
{
    private readonly Lock _gate = new();
    private Baseline? _baseline;
    private int _rowsSinceCheck;
    private DateTimeOffset _lastCheck = DateTimeOffset.MinValue;
    private int _evaluating;
    private string _publishedLevel = DriftLevels.None;

    public DriftReport? LastReport { get; private set; }

    /// <summary>Adds accepted rows to the window; starts a background evaluation when enough new rows arrived.</summary>
    public void Record(LoadedModel<ValuationModel> model, IReadOnlyList<SaleRecord> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var settings = options.CurrentValue;
        bool due;
        lock (_gate)
        {
            var baseline = _baseline;
            if (baseline is null || baseline.Version != model.Version.Version || baseline.WindowSize != settings.DriftWindowSize)
            {
                // A new model has a new training distribution: start the window afresh.
                baseline = _baseline = Baseline.Create(model, settings.DriftWindowSize);
                _publishedLevel = DriftLevels.None;
                _rowsSinceCheck = 0;
            }

            foreach (var row in rows)
            {
                foreach (var window in baseline.Windows)
                {
                    if (model.Model.Feature(window.Feature)?.NumberIn(row) is { } value && !double.IsNaN(value))
                    {
                        window.Add(value);
                    }
                }

                foreach (var window in baseline.CategoryWindows)
                {
                    if (model.Model.Feature(window.Feature)?.CategoryIn(row) is { } category)
                    {
                        window.Add(category);
                    }
                }
            }

            _rowsSinceCheck += rows.Count;
            var now = time.GetUtcNow();
            due = _rowsSinceCheck >= settings.DriftCheckEveryRows && now - _lastCheck >= settings.DriftCheckMinInterval;
            if (due)
            {
                _rowsSinceCheck = 0;
                _lastCheck = now;
            }
        }

        if (due && Interlocked.CompareExchange(ref _evaluating, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await EvaluateAndAlertAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    logger.LogWarning(exception, "Drift evaluation failed");
                }
                finally
                {
                    Volatile.Write(ref _evaluating, 0);
                }
            });
        }
    }

    /// <summary>The drift of the current window against the serving model's training data.</summary>
    public DriftReport Evaluate()
    {
        var settings = options.CurrentValue;
        Baseline? baseline;
        List<(FeatureBaseline Feature, double[] Window)> snapshot;
        List<(CategoryBaseline Feature, double[] Shares, int Samples)> categorySnapshot;
        lock (_gate)
        {
            baseline = _baseline;
            snapshot = baseline?.Windows.Select(w => (w, w.Snapshot())).ToList() ?? [];
            categorySnapshot = baseline?.CategoryWindows.Select(w => (w, w.Shares(), w.Count)).ToList() ?? [];
        }

        var features = new List<FeatureDrift>(snapshot.Count);
        foreach (var (feature, window) in snapshot)
        {
            Array.Sort(window);
            var psi = DriftStatistics.PopulationStabilityIndex(feature.ExpectedShares, DriftStatistics.BinShares(window, feature.Edges));
            var ks = DriftStatistics.KolmogorovSmirnov(feature.SortedTraining, window);
            var pValue = DriftStatistics.KolmogorovSmirnovPValue(ks, feature.SortedTraining.Length, window.Length);
            features.Add(new FeatureDrift(feature.Feature, window.Length, Math.Round(psi, 6), Math.Round(ks, 6), pValue, LevelOf(psi, window.Length, settings)));
        }

        foreach (var (feature, shares, samples) in categorySnapshot)
        {
            var psi = DriftStatistics.PopulationStabilityIndex(feature.ExpectedShares, shares);
            features.Add(new FeatureDrift(feature.Feature, samples, Math.Round(psi, 6), null, null, LevelOf(psi, samples, settings)));
        }

        var windowRows = features.Count == 0 ? 0 : features.Max(f => f.Samples);
        var overall = windowRows < settings.DriftMinSamples || features.Count == 0
            ? DriftLevels.InsufficientData
            : features.MaxBy(f => DriftLevels.Rank(f.Level))!.Level;
        var report = new DriftReport(
            settings.ModelName, baseline?.Version, time.GetUtcNow(), windowRows, settings.DriftMinSamples,
            settings.DriftWarningPsi, settings.DriftAlertPsi, overall, features);
        LastReport = report;
        return report;
    }

    private static string LevelOf(double psi, int samples, ValuationOptions settings) =>
        samples < settings.DriftMinSamples ? DriftLevels.InsufficientData
        : psi >= settings.DriftAlertPsi ? DriftLevels.Alert
        : psi >= settings.DriftWarningPsi ? DriftLevels.Warning
        : DriftLevels.None;

    /// <summary>Evaluates and publishes a <see cref="DriftAlert"/> when the level rose since the last one published.</summary>
    public async Task<DriftReport> EvaluateAndAlertAsync(CancellationToken cancellationToken)
    {
        var report = Evaluate();
        if (report.ModelVersion is not { } version || report.Level == DriftLevels.InsufficientData)
        {
            return report;
        }

        string? raise = null;
        lock (_gate)
        {
            if (DriftLevels.Rank(report.Level) > DriftLevels.Rank(_publishedLevel))
            {
                raise = report.Level;
            }

            if (report.Level != _publishedLevel && (raise is not null || report.Level == DriftLevels.None))
            {
                _publishedLevel = report.Level;
            }
        }

        if (raise is not null)
        {
            var drifting = report.Features.Where(f => DriftLevels.Rank(f.Level) > 0).ToList();
            logger.LogWarning("Drift {Level} on {Model} v{Version}: {Features}", raise, report.Model, version, string.Join(", ", drifting.Select(f => f.Feature)));
            await publisher.PublishAsync(Topics.DriftAlerts, new DriftAlert(report.Model, version, raise, report.EvaluatedAt, drifting), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }

        return report;
    }

    private sealed class Baseline(int version, int windowSize, IReadOnlyList<FeatureBaseline> windows, IReadOnlyList<CategoryBaseline> categoryWindows)
    {
        public int Version { get; } = version;

        public int WindowSize { get; } = windowSize;

        public IReadOnlyList<FeatureBaseline> Windows { get; } = windows;

        public IReadOnlyList<CategoryBaseline> CategoryWindows { get; } = categoryWindows;

        public static Baseline Create(LoadedModel<ValuationModel> model, int windowSize) => new(
            model.Version.Version,
            windowSize,
            [.. model.Model.Estimator.TrainingDistribution
                .Where(pair => pair.Value.Length > 0)
                .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => new FeatureBaseline(pair.Key, pair.Value, windowSize))],
            [.. model.Model.Estimator.TrainingCategoryShares
                .Where(pair => pair.Value.Count > 0)
                .OrderBy(pair => pair.Key, StringComparer.Ordinal)
                .Select(pair => new CategoryBaseline(pair.Key, pair.Value, windowSize))]);
    }

    /// <summary>One categorical feature's training shares and a ring buffer of recent request categories.</summary>
    private sealed class CategoryBaseline
    {
        private readonly Dictionary<string, int> _binOf;
        private readonly int[] _ring;
        private int _next;

        public CategoryBaseline(string feature, IReadOnlyDictionary<string, double> trainingShares, int windowSize)
        {
            Feature = feature;
            var categories = trainingShares.Keys.Order(StringComparer.Ordinal).ToList();
            _binOf = categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
            // The last bin pools categories training never saw (empty in training by definition).
            ExpectedShares = [.. categories.Select(c => trainingShares[c]), 0];
            _ring = new int[windowSize];
        }

        public string Feature { get; }

        public double[] ExpectedShares { get; }

        public int Count { get; private set; }

        public void Add(string category)
        {
            _ring[_next] = _binOf.TryGetValue(category, out var bin) ? bin : ExpectedShares.Length - 1;
            _next = (_next + 1) % _ring.Length;
            Count = Math.Min(Count + 1, _ring.Length);
        }

        public double[] Shares()
        {
            var shares = new double[ExpectedShares.Length];
            for (var i = 0; i < Count; i++)
            {
                shares[_ring[i]] += 1.0 / Count;
            }

            return shares;
        }
    }

    /// <summary>One feature's training sample, its decile bins and a ring buffer of recent request values.</summary>
    private sealed class FeatureBaseline
    {
        private readonly double[] _ring;
        private int _count;
        private int _next;

        public FeatureBaseline(string feature, double[] sortedTraining, int windowSize)
        {
            Feature = feature;
            SortedTraining = sortedTraining;
            Edges = DriftStatistics.DecileEdges(sortedTraining);
            ExpectedShares = DriftStatistics.BinShares(sortedTraining, Edges);
            _ring = new double[windowSize];
        }

        public string Feature { get; }

        public double[] SortedTraining { get; }

        public double[] Edges { get; }

        public double[] ExpectedShares { get; }

        public void Add(double value)
        {
            _ring[_next] = value;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }

        public double[] Snapshot() => _ring.AsSpan(0, _count).ToArray();
    }
}
