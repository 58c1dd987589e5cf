using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Lab.Scenarios;

/// <summary>
/// One SLO as k6 writes it: <c>metric op value</c>, e.g. <c>p99 &lt; 50ms</c>, <c>error_rate &lt; 1%</c>, <c>psi &lt; 0.25</c>,
/// <c>mdape &lt; 20%</c>, <c>freshness &lt; 1h</c>. Latencies compare in milliseconds, rates and shares as fractions, ages in seconds.
/// </summary>
public sealed partial record Threshold(string Scope, string Metric, string Operator, double Value, string Text)
{
    public static readonly IReadOnlyList<string> Metrics =
        ["p50", "p90", "p95", "p99", "max", "mean", "error_rate", "mdape", "psi", "ks", "freshness", "count", "throughput"];

    public bool Holds(double observed) => Operator switch
    {
        "<" => observed < Value,
        "<=" => observed <= Value,
        ">" => observed > Value,
        ">=" => observed >= Value,
        _ => Math.Abs(observed - Value) < 1e-12,
    };

    /// <summary>Parses <paramref name="text"/>; returns the problem instead when it is not a threshold.</summary>
    public static Threshold Parse(string scope, string text, out string? problem)
    {
        problem = null;
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            problem = $"'{text}' is not a threshold; write 'metric op value', e.g. 'p99 < 50ms' or 'error_rate < 1%'.";
            return new Threshold(scope, "", "", 0, text);
        }

        var metric = match.Groups["metric"].Value;
        if (!Metrics.Contains(metric))
        {
            problem = $"unknown metric '{metric}'; one of {string.Join(", ", Metrics)}.";
        }

        var number = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        var value = match.Groups["unit"].Value switch
        {
            "%" => number / 100,
            "us" or "µs" => number / 1000,
            "ms" => number,
            "s" => metric == "freshness" ? number : number * 1000,
            "m" => metric == "freshness" ? number * 60 : number * 60_000,
            "h" => metric == "freshness" ? number * 3600 : number * 3_600_000,
            _ => number,
        };
        var op = match.Groups["op"].Value;
        return new Threshold(scope, metric, op == "=" ? "==" : op, value, text.Trim());
    }

    [GeneratedRegex(@"^\s*(?<metric>[a-z_0-9]+)\s*(?<op><=|>=|==|<|>|=)\s*(?<value>-?[0-9]+(\.[0-9]+)?)\s*(?<unit>%|us|µs|ms|s|m|h)?\s*$")]
    private static partial Regex Pattern();
}
