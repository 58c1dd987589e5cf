using System.Collections.Concurrent;
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
    IReadOnlyList<FeatureDrift> Features,
    string? TenantId = null);

/// <summary>Published on <see cref="Topics.DriftAlerts"/> when drift of a tenant's champion rises to a warning or an alert.</summary>
public sealed record DriftAlert(
    string Model, int ModelVersion, string Level, DateTimeOffset EvaluatedAt, IReadOnlyList<FeatureDrift> Features, string? TenantId = null);

/// <summary>
/// Compares a rolling window of each tenant's accepted request rows with the training distribution stored in that tenant's
/// model, per numeric feature: PSI over training deciles and the two-sample KS test. Re-evaluated every
/// <c>DriftCheckEveryRows</c> rows off the request path; a rise to warning (PSI ≥ 0.1) or alert (PSI ≥ 0.25) is published
/// once until drift falls back. Categorical features get PSI over their training categories (unseen ones pooled in one bin).
/// Windows are per tenant (one tenant's traffic never moves another's drift) and at most <c>MaxLoadedTenants</c> are kept,
/// the least recently recorded dropped beyond it.
/// </summary>
public sealed class DriftMonitor(
    IOptionsMonitor<ValuationOptions> options,
    IEventPublisher publisher,
    TimeProvider time,
    ILogger<DriftMonitor> logger)
{
    private readonly ConcurrentDictionary<string, TenantWindow> _tenants = new(StringComparer.Ordinal);
    private long _uses;

    /// <summary>The last evaluation of each tenant with a window (for the drift gauges).</summary>
    public IReadOnlyList<DriftReport> LastReports => [.. _tenants.Values.Select(t => t.LastReport).OfType<DriftReport>()];

    /// <summary>Adds accepted rows to the tenant's window; starts a background evaluation when enough new rows arrived.</summary>
    public void Record(string tenantId, LoadedModel<ValuationModel> model, IReadOnlyList<SaleRecord> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var settings = options.CurrentValue;
        var tenant = Window(tenantId, create: true)!;
        bool due;
        lock (tenant.Gate)
        {
            var baseline = tenant.Baseline;
            if (baseline is null || baseline.Version != model.Version.Version || baseline.WindowSize != settings.DriftWindowSize)
            {
                // A new model has a new training distribution: start the window afresh.
                baseline = tenant.Baseline = Baseline.Create(model, settings.DriftWindowSize);
                tenant.PublishedLevel = DriftLevels.None;
                tenant.RowsSinceCheck = 0;
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

            tenant.RowsSinceCheck += rows.Count;
            var now = time.GetUtcNow();
            due = tenant.RowsSinceCheck >= settings.DriftCheckEveryRows && now - tenant.LastCheck >= settings.DriftCheckMinInterval;
            if (due)
            {
                tenant.RowsSinceCheck = 0;
                tenant.LastCheck = now;
            }
        }

        if (due && Interlocked.CompareExchange(ref tenant.Evaluating, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await EvaluateAndAlertAsync(tenantId, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    logger.LogWarning(exception, "Drift evaluation of tenant {Tenant} failed", tenantId);
                }
                finally
                {
                    Volatile.Write(ref tenant.Evaluating, 0);
                }
            });
        }
    }

    /// <summary>The drift of the tenant's current window against its serving model's training data.</summary>
    public DriftReport Evaluate(string tenantId)
    {
        var settings = options.CurrentValue;
        var tenant = Window(tenantId, create: false);
        Baseline? baseline = null;
        List<(FeatureBaseline Feature, double[] Window)> snapshot = [];
        List<(CategoryBaseline Feature, double[] Shares, int Samples)> categorySnapshot = [];
        if (tenant is not null)
        {
            lock (tenant.Gate)
            {
                baseline = tenant.Baseline;
                snapshot = baseline?.Windows.Select(w => (w, w.Snapshot())).ToList() ?? [];
                categorySnapshot = baseline?.CategoryWindows.Select(w => (w, w.Shares(), w.Count)).ToList() ?? [];
            }
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
            settings.DriftWarningPsi, settings.DriftAlertPsi, overall, features, tenantId);
        if (tenant is not null)
        {
            tenant.LastReport = report;
        }

        return report;
    }

    private static string LevelOf(double psi, int samples, ValuationOptions settings) =>
        samples < settings.DriftMinSamples ? DriftLevels.InsufficientData
        : psi >= settings.DriftAlertPsi ? DriftLevels.Alert
        : psi >= settings.DriftWarningPsi ? DriftLevels.Warning
        : DriftLevels.None;

    /// <summary>Evaluates the tenant's window and publishes a <see cref="DriftAlert"/> when its level rose since the last one published.</summary>
    public async Task<DriftReport> EvaluateAndAlertAsync(string tenantId, CancellationToken cancellationToken)
    {
        var report = Evaluate(tenantId);
        if (report.ModelVersion is not { } version || report.Level == DriftLevels.InsufficientData || Window(tenantId, create: false) is not { } tenant)
        {
            return report;
        }

        string? raise = null;
        lock (tenant.Gate)
        {
            if (DriftLevels.Rank(report.Level) > DriftLevels.Rank(tenant.PublishedLevel))
            {
                raise = report.Level;
            }

            if (report.Level != tenant.PublishedLevel && (raise is not null || report.Level == DriftLevels.None))
            {
                tenant.PublishedLevel = report.Level;
            }
        }

        if (raise is not null)
        {
            var drifting = report.Features.Where(f => DriftLevels.Rank(f.Level) > 0).ToList();
            logger.LogWarning("Drift {Level} on {Model} v{Version} of tenant {Tenant}: {Features}",
                raise, report.Model, version, tenantId, string.Join(", ", drifting.Select(f => f.Feature)));
            await publisher.PublishAsync(Topics.DriftAlerts, new DriftAlert(report.Model, version, raise, report.EvaluatedAt, drifting, tenantId),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    /// <summary>The tenant's window (created on its first rows); beyond the cap the least recently recorded tenant is dropped.</summary>
    private TenantWindow? Window(string tenantId, bool create)
    {
        if (_tenants.TryGetValue(tenantId, out var existing))
        {
            existing.LastUsed = Interlocked.Increment(ref _uses);
            return existing;
        }

        if (!create)
        {
            return null;
        }

        var window = _tenants.GetOrAdd(tenantId, _ => new TenantWindow());
        window.LastUsed = Interlocked.Increment(ref _uses);
        var cap = options.CurrentValue.MaxLoadedTenants;
        while (_tenants.Count > cap)
        {
            var oldest = _tenants.Where(pair => pair.Key != tenantId).MinBy(pair => pair.Value.LastUsed);
            if (oldest.Key is null || !_tenants.TryRemove(oldest.Key, out _))
            {
                break;
            }
        }

        return window;
    }

    /// <summary>One tenant's drift state; fields are guarded by <see cref="Gate"/> except the flags used with Interlocked.</summary>
    private sealed class TenantWindow
    {
        public readonly Lock Gate = new();
        public int Evaluating;

        public Baseline? Baseline { get; set; }

        public int RowsSinceCheck { get; set; }

        public DateTimeOffset LastCheck { get; set; } = DateTimeOffset.MinValue;

        public string PublishedLevel { get; set; } = DriftLevels.None;

        public DriftReport? LastReport { get; set; }

        public long LastUsed { get; set; }
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
