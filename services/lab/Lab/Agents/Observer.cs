using System.Text.Json.Nodes;

namespace Platform.Lab.Agents;

/// <summary>One look at the platform: drift (from /monitoring/drift) and the registry's aliases.</summary>
public sealed record Observation(
    TimeSpan At,
    string? DriftLevel,
    double MaxPsi,
    double MaxKs,
    IReadOnlyDictionary<string, double> Psi,
    int? Champion,
    int? Challenger,
    DateTimeOffset? ChampionCreatedAt,
    double AlertPsi = 0.25);

/// <summary>
/// Samples the platform through the run: drift PSI/KS per feature, the champion and challenger versions and the champion's
/// age (model freshness). Failed samples are counted, not fatal: the platform may be under injected faults.
/// </summary>
public sealed class Observer(PlatformClient client, string modelName = "price")
{
    private readonly Dictionary<int, DateTimeOffset> _createdAt = [];

    public List<Observation> Observations { get; } = [];

    public int FailedSamples { get; private set; }

    public Observation? Last => Observations.Count == 0 ? null : Observations[^1];

    public async Task<Observation?> SampleAsync(TimeSpan at, CancellationToken cancellationToken)
    {
        try
        {
            var drift = await client.GetJsonAsync("/monitoring/drift", cancellationToken).ConfigureAwait(false);
            var aliases = await client.GetJsonAsync($"/registry/{modelName}/aliases", cancellationToken).ConfigureAwait(false);
            var features = drift?["features"]?.AsArray() ?? [];
            var psi = features.Where(f => f?["level"]?.GetValue<string>() != "insufficient_data")
                .ToDictionary(f => f!["feature"]!.GetValue<string>(), f => f!["psi"]?.GetValue<double>() ?? 0);
            var ks = features.Select(f => f?["ks"]?.GetValue<double?>() ?? 0).DefaultIfEmpty(0).Max();
            var champion = aliases?["champion"]?.GetValue<int>();
            var challenger = aliases?["challenger"]?.GetValue<int>();
            DateTimeOffset? created = champion is { } c ? await CreatedAtAsync(c, cancellationToken).ConfigureAwait(false) : null;
            var observation = new Observation(at, drift?["level"]?.GetValue<string>(), psi.Values.DefaultIfEmpty(0).Max(), ks, psi, champion, challenger, created,
                drift?["alert_psi"]?.GetValue<double>() ?? 0.25);
            Observations.Add(observation);
            return observation;
        }
        catch (Exception exception) when (exception is PlatformCallException or HttpRequestException or TaskCanceledException or InvalidOperationException
            && !cancellationToken.IsCancellationRequested)
        {
            FailedSamples++;
            return null;
        }
    }

    private async Task<DateTimeOffset?> CreatedAtAsync(int version, CancellationToken cancellationToken)
    {
        if (_createdAt.TryGetValue(version, out var known))
        {
            return known;
        }

        var versions = await client.GetJsonAsync($"/registry/{modelName}/versions", cancellationToken).ConfigureAwait(false);
        foreach (var item in versions?.AsArray() ?? [])
        {
            if (item?["version"]?.GetValue<int>() is { } v && item["created_at"]?.GetValue<DateTimeOffset>() is { } created)
            {
                _createdAt[v] = created;
            }
        }

        return _createdAt.TryGetValue(version, out var found) ? found : null;
    }

    /// <summary>Workflow instances of <paramref name="name"/> by id with their status (admin route).</summary>
    public async Task<Dictionary<string, string>> WorkflowsAsync(string name, CancellationToken cancellationToken)
    {
        var list = await client.GetJsonAsync($"/workflows?name={name}&pageSize=100", cancellationToken, admin: true).ConfigureAwait(false);
        return (list?["items"]?.AsArray() ?? []).ToDictionary(
            i => i!["instanceId"]!.GetValue<string>(), i => i!["runtimeStatus"]?.ToString() ?? "unknown");
    }

    public static JsonObject ToJson(Observation observation) => new()
    {
        ["t_s"] = Math.Round(observation.At.TotalSeconds, 2),
        ["drift_level"] = observation.DriftLevel,
        ["max_psi"] = Math.Round(observation.MaxPsi, 4),
        ["max_ks"] = Math.Round(observation.MaxKs, 4),
        ["champion"] = observation.Champion,
        ["challenger"] = observation.Challenger,
    };
}
