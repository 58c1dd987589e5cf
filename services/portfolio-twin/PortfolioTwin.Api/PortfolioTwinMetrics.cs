using System.Diagnostics.Metrics;
using Platform.PortfolioTwin.Api.Serving;

namespace Platform.PortfolioTwin.Api;

/// <summary>
/// The service's own instruments (meter <c>Platform.PortfolioTwin</c>, exported at /metrics/prometheus next to the ASP.NET Core
/// request durations by route): predictions and recommendations by user source (trained, folded-in, popularity), interactions
/// stored and duplicates skipped, properties indexed. The serving model version (<c>platform.twin.model.version</c>) is the
/// champion-model block's gauge on this meter.
/// </summary>
public sealed class PortfolioTwinMetrics
{
    public const string MeterName = "Platform.PortfolioTwin";

    private readonly Counter<long> _predictions;
    private readonly Counter<long> _recommendations;
    private readonly Counter<long> _interactions;
    private readonly Counter<long> _indexed;

    public PortfolioTwinMetrics(IMeterFactory meterFactory, UserVectorCache users)
    {
        var meter = meterFactory.Create(MeterName);
        _predictions = meter.CreateCounter<long>("platform.twin.predictions", "{prediction}", "Affinity scores served.");
        _recommendations = meter.CreateCounter<long>("platform.twin.recommendations", "{property}", "Properties recommended.");
        _interactions = meter.CreateCounter<long>("platform.twin.interactions", "{interaction}", "Interactions ingested, by outcome (stored or duplicate).");
        _indexed = meter.CreateCounter<long>("platform.twin.index.upserts", "{property}", "Property vectors written to the index.");
        meter.CreateObservableGauge("platform.twin.folded_users", () => users.Count, "{user}", "Folded-in user vectors held in memory.");
    }

    public void Predicted(int count, UserSource source) => _predictions.Add(count, Source(source));

    public void Recommended(int count, UserSource source) => _recommendations.Add(count, Source(source));

    public void InteractionsIngested(int stored, int duplicates)
    {
        _interactions.Add(stored, new KeyValuePair<string, object?>("outcome", "stored"));
        _interactions.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
    }

    public void Indexed(int count) => _indexed.Add(count);

    private static KeyValuePair<string, object?> Source(UserSource source) => new("user_source", source.WireName());
}
