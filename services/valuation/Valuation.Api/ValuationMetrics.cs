using System.Diagnostics.Metrics;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Estimation;
using Platform.Valuation.Api.Monitoring;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api;

/// <summary>
/// The service's own instruments (meter <c>Platform.Valuation</c>, exported at /metrics/prometheus with the ASP.NET Core
/// request-duration histograms by route and status): estimates served, rows rejected by reason, rows per request, the
/// last drift evaluation. The serving model version (<c>platform.valuation.model.version</c>) is the champion-model block's gauge
/// on this meter.
/// </summary>
public sealed class ValuationMetrics
{
    public const string MeterName = "Platform.Valuation";

    private readonly Counter<long> _estimates;
    private readonly Counter<long> _rejected;
    private readonly Histogram<int> _rows;
    private readonly Counter<long> _shadowRejected;
    private readonly Histogram<double> _shadowDifference;

    public ValuationMetrics(IMeterFactory meterFactory, DriftMonitor drift)
    {
        var meter = meterFactory.Create(MeterName);
        _estimates = meter.CreateCounter<long>("platform.valuation.estimates", "{estimate}", "Estimates served.");
        _rejected = meter.CreateCounter<long>("platform.valuation.rows.rejected", "{row}", "Request rows refused an estimate, by reason.");
        _rows = meter.CreateHistogram<int>("platform.valuation.request.rows", "{row}", "Rows per estimate request.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100, 500, 1_000, 10_000] });

        _shadowRejected = meter.CreateCounter<long>("platform.valuation.shadow.rejected", "{row}", "Rows the shadow challenger could not price.");
        _shadowDifference = meter.CreateHistogram<double>("platform.valuation.shadow.difference", "%",
            "Shadow challenger estimate relative to the champion's served estimate, in percent.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [-50, -20, -10, -5, -2, 0, 2, 5, 10, 20, 50] });
        meter.CreateObservableGauge("platform.valuation.drift.psi", () => DriftMeasurements(drift, f => f.Psi),
            description: "Population stability index per feature at the last drift evaluation.");
        meter.CreateObservableGauge("platform.valuation.drift.ks", () => DriftMeasurements(drift, f => f.Ks),
            description: "Kolmogorov-Smirnov statistic per feature at the last drift evaluation.");
    }

    public void EstimatesServed(int count, string source, string alias = ModelRegistry.Champion, int? version = null) =>
        _estimates.Add(count, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("alias", alias),
            new KeyValuePair<string, object?>("version", version));

    public void ShadowScored(double relativeDifference, int version) =>
        _shadowDifference.Record(relativeDifference * 100, new KeyValuePair<string, object?>("alias", ModelRegistry.Challenger),
            new KeyValuePair<string, object?>("version", version));

    public void ShadowRejected(int rows, int version) =>
        _shadowRejected.Add(rows, new KeyValuePair<string, object?>("alias", ModelRegistry.Challenger), new KeyValuePair<string, object?>("version", version));

    public void RowRejected(InputReason reason) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.Code()));

    public void RequestRows(int count, string source) =>
        _rows.Record(count, new KeyValuePair<string, object?>("source", source));

    private static IEnumerable<Measurement<double>> DriftMeasurements(DriftMonitor drift, Func<FeatureDrift, double?> value) =>
        drift.LastReports.SelectMany(report => report.Features
            .Where(f => value(f) is not null)
            .Select(f => new Measurement<double>(value(f)!.Value,
                new KeyValuePair<string, object?>("feature", f.Feature), new KeyValuePair<string, object?>("tenant", report.TenantId))));
}
