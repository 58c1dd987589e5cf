using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.MarketData.Synthetic;

namespace Platform.Host;

/// <summary>
/// <c>platform smoke</c>: asks a running host the questions a user would — a valuation, recommendations, an affinity and the
/// training workflow's status — and fails loudly (non-zero, the failing check named) when any answer is wrong.
/// </summary>
public static class SmokeCommand
{
    public static Command Create(string dataFolder)
    {
        var url = new Option<Uri>("--url") { Description = "The running platform.", DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080") };
        var tenant = new Option<string>("--tenant") { Description = "Tenant to query.", DefaultValueFactory = _ => "demo" };
        var user = new Option<string>("--user") { Description = "User to recommend for.", DefaultValueFactory = _ => "u000001" };
        var demoKeyFile = Path.Combine(dataFolder, DemoTenantKeyService.FileName);
        var apiKey = new Option<string?>("--api-key")
        {
            Description = $"The tenant's API key, with scopes estimate, twin:read and workflows (default: the main job's demo key in {demoKeyFile}).",
        };
        var command = new Command("smoke", "Check a running platform end to end: /estimate, /recommend, /predict and a workflow status.")
        {
            url, tenant, user, apiKey,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = result.GetValue(url), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add("X-Tenant-Id", result.GetValue(tenant));
            var key = result.GetValue(apiKey) ?? DemoTenantKeyService.Read(dataFolder);
            if (key is not null)
            {
                http.DefaultRequestHeaders.Add("X-Api-Key", key);
            }

            var smoke = new SmokeChecks(http, result.GetValue(user)!);
            var failures = await smoke.RunAsync(Console.Out, cancellationToken);
            return failures == 0 ? 0 : 1;
        });
        return command;
    }
}

/// <summary>The checks, each a request and the properties its answer must have.</summary>
public sealed class SmokeChecks(HttpClient http, string userId)
{
    private static readonly Municipality Oslo = Municipalities.Norway[0];

    public async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        var failures = 0;
        foreach (var (name, check) in new (string, Func<CancellationToken, Task<string>>)[]
        {
            ("ready", ReadyAsync),
            ("estimate", EstimateAsync),
            ("recommend", RecommendAsync),
            ("predict", PredictAsync),
            ("workflow", WorkflowAsync),
        })
        {
            try
            {
                await output.WriteLineAsync($"ok   {name}: {await check(cancellationToken)}");
            }
            catch (Exception exception) when (exception is SmokeFailure or HttpRequestException or JsonException or TaskCanceledException)
            {
                failures++;
                await output.WriteLineAsync($"FAIL {name}: {exception.Message}");
            }
        }

        await output.WriteLineAsync(failures == 0 ? "smoke: all checks passed" : $"smoke: {failures} check(s) failed");
        return failures;
    }

    private async Task<string> ReadyAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/ready", cancellationToken);
        Require(response.IsSuccessStatusCode, $"/ready answered {(int)response.StatusCode}");
        return "models loaded";
    }

    private async Task<string> EstimateAsync(CancellationToken cancellationToken)
    {
        var flat = new JsonObject
        {
            ["property_id"] = "smoke-1",
            ["property_type"] = "leilighet",
            ["municipality"] = Oslo.Name,
            ["latitude"] = Oslo.Latitude,
            ["longitude"] = Oslo.Longitude,
            ["usable_area"] = 72.0,
            ["total_area"] = 80.0,
            ["rooms"] = 3,
            ["bedrooms"] = 2,
            ["bathrooms"] = 1,
            ["floor"] = 3,
            ["year_built"] = 1998,
            ["condition"] = 3,
            ["sold_at"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
        };
        var body = await PostAsync("/estimate", new JsonObject { ["properties"] = new JsonArray(flat) }, cancellationToken);
        var row = body["results"]?[0] ?? throw new SmokeFailure($"no results in {body.ToJsonString()}");
        var estimate = Number(row, "estimate");
        var low = Number(row, "low");
        var high = Number(row, "high");
        // A 72 m² flat in Oslo: the synthetic market prices these in the millions of NOK.
        Require(estimate is > 500_000 and < 50_000_000, $"estimate {estimate:N0} is not a plausible price");
        Require(low <= estimate && estimate <= high, $"interval [{low:N0}, {high:N0}] does not contain {estimate:N0}");
        return $"{estimate:N0} NOK [{low:N0}, {high:N0}]";
    }

    private async Task<string> RecommendAsync(CancellationToken cancellationToken)
    {
        var body = await PostAsync("/recommend", new JsonObject { ["user_id"] = userId, ["top_k"] = 10 }, cancellationToken);
        var results = body["results"]?.AsArray() ?? throw new SmokeFailure($"no results in {body.ToJsonString()}");
        Require(results.Count == 10, $"asked for 10 recommendations, got {results.Count}");
        var scores = results.Select(r => Number(r!, "score")).ToList();
        Require(scores.SequenceEqual(scores.OrderByDescending(s => s)), "recommendations are not ranked by score");
        Require(results.All(r => Number(r!, "affinity_score") is >= 0 and <= 1), "an affinity score is outside [0, 1]");
        return $"{results.Count} properties for {userId}, best {results[0]!["property_id"]} ({scores[0]:F3})";
    }

    private async Task<string> PredictAsync(CancellationToken cancellationToken)
    {
        var features = new JsonObject
        {
            ["property_type"] = "enebolig",
            ["municipality"] = Oslo.Name,
            ["latitude"] = Oslo.Latitude,
            ["longitude"] = Oslo.Longitude,
            ["usable_area"] = 160.0,
            ["bedrooms"] = 4,
            ["bathrooms"] = 2,
            ["year_built"] = 1985,
            ["listing_price"] = 9_500_000.0,
        };
        var body = await PostAsync("/predict", new JsonObject { ["user_id"] = userId, ["property_features"] = features }, cancellationToken);
        var affinity = Number(body, "affinity_score");
        var confidence = Number(body, "confidence");
        Require(affinity is >= 0 and <= 1, $"affinity {affinity} is outside [0, 1]");
        Require(confidence is >= 0 and <= 1, $"confidence {confidence} is outside [0, 1]");
        return $"affinity {affinity:F3}, confidence {confidence:F3}";
    }

    private async Task<string> WorkflowAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("/workflows?name=PlatformRetraining", cancellationToken);
        Require(response.IsSuccessStatusCode, $"/workflows answered {(int)response.StatusCode}");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        var items = body["items"]?.AsArray() ?? throw new SmokeFailure("no items in the workflow list");
        Require(items.Count > 0, "no PlatformRetraining instance exists");
        var completed = items.FirstOrDefault(i => (string?)i!["runtimeStatus"] == "Completed");
        Require(completed is not null, $"no PlatformRetraining instance completed ({string.Join(", ", items.Select(i => (string?)i!["runtimeStatus"]))})");
        return $"{completed!["instanceId"]} Completed";
    }

    private async Task<JsonNode> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Require(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text) ?? throw new SmokeFailure($"{path} answered no JSON");
    }

    private static double Number(JsonNode node, string property) =>
        node[property]?.GetValue<double>() ?? throw new SmokeFailure($"'{property}' missing in {node.ToJsonString()}");

    private static void Require(bool condition, string failure)
    {
        if (!condition)
        {
            throw new SmokeFailure(failure);
        }
    }

    private sealed class SmokeFailure(string message) : Exception(message);
}
