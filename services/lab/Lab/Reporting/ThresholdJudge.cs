using System.Globalization;
using Platform.Lab.Agents;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;

namespace Platform.Lab.Reporting;

/// <summary>Judges the gating thresholds on the whole run: per route (or all), per alias, on drift and on model freshness.</summary>
public static class ThresholdJudge
{
    public static List<Check> Judge(IReadOnlyList<Threshold> thresholds, RunRecorder recorder, Observer observer, TimeSpan duration) =>
        [.. thresholds.Select(threshold =>
        {
            var observed = Observe(threshold, recorder, observer, duration);
            var passed = observed is { } value && threshold.Holds(value);
            var shown = observed is null ? "no data" : Format(threshold.Metric, observed.Value);
            return new Check($"{threshold.Scope}: {threshold.Text}", passed, $"observed {shown}{FailedStatuses(threshold, recorder)}");
        })];

    /// <summary>For an error rate over routes, which statuses the failures were (" (429×18, 0×2)"), so a failed check says why.</summary>
    private static string FailedStatuses(Threshold threshold, RunRecorder recorder)
    {
        if (threshold.Metric != "error_rate")
        {
            return "";
        }

        var failed = Routes(threshold.Scope, recorder).SelectMany(r => r.Statuses).Where(s => !RouteStats.IsSuccess(s.Key))
            .GroupBy(s => s.Key, s => s.Value).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key}×{g.Sum()}")).ToList();
        return failed.Count == 0 ? "" : $" ({string.Join(", ", failed)})";
    }

    private static List<RouteStats> Routes(string scope, RunRecorder recorder) =>
        scope == "all" ? [.. recorder.Routes.Values] : recorder.Routes.TryGetValue(scope, out var route) ? [route] : [];

    private static double? Observe(Threshold threshold, RunRecorder recorder, Observer observer, TimeSpan duration)
    {
        if (threshold.Scope.StartsWith("drift.", StringComparison.Ordinal))
        {
            var feature = threshold.Scope["drift.".Length..];
            var seen = observer.Observations.Where(o => o.Psi.ContainsKey(feature)).Select(o => o.Psi[feature]).ToList();
            return seen.Count == 0 ? null : seen.Max();
        }

        switch (threshold.Scope)
        {
            case "drift":
                var samples = observer.Observations.Where(o => o.DriftLevel is not null and not "insufficient_data").ToList();
                return samples.Count == 0 ? 0 : threshold.Metric == "ks" ? samples.Max(o => o.MaxKs) : samples.Max(o => o.MaxPsi);
            case "model":
                return observer.Last?.ChampionCreatedAt is { } created ? (DateTimeOffset.UtcNow - created).TotalSeconds : null;
            case "champion" or "challenger":
                if (!recorder.Aliases.TryGetValue(threshold.Scope, out var alias))
                {
                    return null;
                }

                return threshold.Metric switch
                {
                    "mdape" => alias.MdApe(TimeSpan.Zero).MdApe,
                    "error_rate" => alias.Requests == 0 ? 0 : alias.Failures / (double)alias.Requests,
                    "count" => alias.Requests,
                    _ => null,
                };
        }

        var routes = Routes(threshold.Scope, recorder);
        if (routes.Count == 0)
        {
            return null;
        }

        var count = routes.Sum(r => r.Count);
        return threshold.Metric switch
        {
            "p50" => routes.Max(r => r.PercentileMs(50)),
            "p90" => routes.Max(r => r.PercentileMs(90)),
            "p95" => routes.Max(r => r.PercentileMs(95)),
            "p99" => routes.Max(r => r.PercentileMs(99)),
            "max" => routes.Max(r => r.MaxMs()),
            "mean" => routes.Sum(r => r.MeanMs() * r.Count) / Math.Max(1, count),
            "error_rate" => count == 0 ? 0 : routes.Sum(r => r.Errors) / (double)count,
            "count" => count,
            "throughput" => count / Math.Max(0.001, duration.TotalSeconds),
            "mdape" => recorder.Aliases.Values.Select(a => a.MdApe(TimeSpan.Zero)).Where(m => m.Rows > 0).Select(m => m.MdApe).DefaultIfEmpty(0).Max(),
            _ => null,
        };
    }

    public static string Format(string metric, double value) => metric switch
    {
        "p50" or "p90" or "p95" or "p99" or "max" or "mean" => string.Create(CultureInfo.InvariantCulture, $"{value:0.##} ms"),
        "error_rate" or "mdape" => string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.###}%"),
        "freshness" => string.Create(CultureInfo.InvariantCulture, $"{value:0} s"),
        "throughput" => string.Create(CultureInfo.InvariantCulture, $"{value:0.#} req/s"),
        _ => value.ToString("0.####", CultureInfo.InvariantCulture),
    };
}
