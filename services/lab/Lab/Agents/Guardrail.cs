using System.Globalization;
using System.Text.Json.Nodes;
using Platform.Lab.Scenarios;
using Platform.Lab.Traffic;

namespace Platform.Lab.Agents;

/// <summary>A guardrail's decision, marked on the report's time axis.</summary>
public sealed record Decision(TimeSpan At, string Rule, string Action, string Detail, bool Succeeded);

/// <summary>
/// Acts on what the observer and the traffic see, on the real platform: a drift alert publishes <c>training-requested</c>
/// (through the valuation's admin route, which the training workflow subscribes to); a canary whose SLO breaks is rolled back by
/// pointing the <c>challenger</c> alias at the champion's version (the registry publishes <c>model-deployed</c>); any other gating
/// threshold breached on the live window raises an alert (logged and reported).
/// </summary>
public sealed class Guardrail(PlatformClient client, Scenario scenario, RunRecorder recorder, TextWriter log)
{
    private readonly HashSet<string> _alerting = new(StringComparer.Ordinal);
    private TimeSpan _canarySince = TimeSpan.Zero;
    private int? _canaryVersion;
    private TimeSpan _retryTrainingAfter = TimeSpan.Zero;

    public List<Decision> Decisions { get; } = [];

    public string? TrainingEventId { get; private set; }

    public TimeSpan? TrainingRequestedAt { get; private set; }

    public int? RolledBackVersion { get; private set; }

    public async Task EvaluateAsync(Observation? observation, TimeSpan now, CancellationToken cancellationToken)
    {
        if (observation is not null)
        {
            await DriftAsync(observation, now, cancellationToken).ConfigureAwait(false);
            await CanaryAsync(observation, now, cancellationToken).ConfigureAwait(false);
        }

        Alerts(now);
    }

    private async Task DriftAsync(Observation observation, TimeSpan now, CancellationToken cancellationToken)
    {
        if (!scenario.Guardrails.RetrainOnDrift || TrainingEventId is not null || observation.DriftLevel != "alert" || now < _retryTrainingAfter)
        {
            return;
        }

        var watched = scenario.Guardrails.DriftFeatures;
        var alerting = observation.Psi.Where(p => p.Value >= observation.AlertPsi && (watched.Count == 0 || watched.Contains(p.Key))).ToList();
        if (alerting.Count == 0)
        {
            return;
        }

        var drifting = string.Join(", ", alerting.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} PSI {p.Value:F2}")));
        var reason = $"lab scenario {scenario.Name}: drift alert ({drifting})";
        try
        {
            var answer = await client.SendJsonAsync(HttpMethod.Post, "/monitoring/training-requests",
                new JsonObject { ["tenant_id"] = scenario.Tenant, ["reason"] = reason }, cancellationToken).ConfigureAwait(false);
            TrainingEventId = answer?["event_id"]?.GetValue<string>() ?? "";
            TrainingRequestedAt = now;
            Decide(now, "drift-alert", "retrain", $"published training-requested {TrainingEventId} ({drifting})", true);
        }
        catch (PlatformCallException exception)
        {
            // Tried again while the alert lasts, but not on every sample.
            _retryTrainingAfter = now + TimeSpan.FromSeconds(5);
            Decide(now, "drift-alert", "retrain", "could not request training: " + exception.Message, false);
        }
    }

    private async Task CanaryAsync(Observation observation, TimeSpan now, CancellationToken cancellationToken)
    {
        if (scenario.Guardrails.CanarySlo.Count == 0 || observation.Challenger is not { } challenger || observation.Champion is not { } champion
            || challenger == champion)
        {
            return;
        }

        if (_canaryVersion != challenger)
        {
            // A new canary is judged on its own responses only.
            _canaryVersion = challenger;
            _canarySince = now;
        }

        var stats = recorder.Aliases.GetValueOrDefault("challenger");
        var (rows, mdape) = stats?.MdApe(_canarySince) ?? (0, 0);
        if (stats is null || rows < scenario.Guardrails.CanaryMinSamples)
        {
            return;
        }

        var errorRate = stats.Requests == 0 ? 0 : stats.Failures / (double)stats.Requests;
        var breached = scenario.Guardrails.CanarySlo.FirstOrDefault(t => !t.Holds(t.Metric switch
        {
            "mdape" => mdape,
            "error_rate" => errorRate,
            _ => double.NaN,
        }));
        if (breached is null)
        {
            return;
        }

        var detail = string.Create(CultureInfo.InvariantCulture,
            $"challenger v{challenger} breaks '{breached.Text}' (MdAPE {mdape:P1} over {rows} rows, error rate {errorRate:P1})");
        if (!scenario.Guardrails.RollbackCanary)
        {
            Decide(now, "canary-slo", "alert", detail, true);
            _canaryVersion = null;
            return;
        }

        try
        {
            await client.SendJsonAsync(HttpMethod.Post, "/registry/price/aliases/challenger", new JsonObject { ["version"] = champion }, cancellationToken)
                .ConfigureAwait(false);
            RolledBackVersion = challenger;
            Decide(now, "canary-slo", "rollback", $"{detail}; challenger alias moved to champion v{champion}", true);
        }
        catch (PlatformCallException exception)
        {
            Decide(now, "canary-slo", "rollback", $"{detail}; rollback failed: {exception.Message}", false);
        }
    }

    /// <summary>Gating latency and error thresholds of a route, judged on the last few seconds of traffic.</summary>
    private void Alerts(TimeSpan now)
    {
        var since = now - TimeSpan.FromSeconds(Math.Max(2, recorder.BucketWidth.TotalSeconds * 2));
        foreach (var threshold in scenario.Thresholds.Where(t => t.Metric is "p99" or "error_rate"))
        {
            var routes = threshold.Scope == "all" ? recorder.Routes.Values.ToList()
                : recorder.Routes.TryGetValue(threshold.Scope, out var route) ? [route] : [];
            var windows = routes.Select(r => r.Window(since)).Where(w => w.Count > 0).ToList();
            if (windows.Count == 0)
            {
                continue;
            }

            var observed = threshold.Metric == "p99" ? windows.Max(w => w.P99) : windows.Sum(w => w.ErrorRate * w.Count) / windows.Sum(w => w.Count);
            var key = threshold.Scope + ":" + threshold.Text;
            if (!threshold.Holds(observed) && _alerting.Add(key))
            {
                Decide(now, "slo", "alert", string.Create(CultureInfo.InvariantCulture, $"{threshold.Scope} '{threshold.Text}' breached on the live window ({observed:0.###})"), true);
            }
            else if (threshold.Holds(observed))
            {
                _alerting.Remove(key);
            }
        }
    }

    private void Decide(TimeSpan at, string rule, string action, string detail, bool succeeded)
    {
        Decisions.Add(new Decision(at, rule, action, detail, succeeded));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{at.TotalSeconds,6:F1}s] guardrail {rule}: {action} — {detail}"));
    }
}
