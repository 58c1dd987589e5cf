using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.BuildingBlocks.Auth;
using Platform.Dashboard.Auth;

namespace Platform.Dashboard.Api;

/// <summary>
/// The platform's public HTTP API as the dashboard calls it, for one signed-in user: every request carries that user's
/// tenant (<c>X-Tenant-Id</c>) and a credential in <c>X-Api-Key</c> — the administrator's key on admin routes (workflows, alias
/// moves), the tenant's key everywhere else — the credentials any client sends.
/// Failures come back as <see cref="ApiProblem"/> so every page can show an error state instead of failing.
/// </summary>
public sealed class PlatformApi(HttpClient http, DashboardUser user)
{
    public const string HttpClientName = "platform-api";
    private const string TenantHeader = "X-Tenant-Id";

    public DashboardUser User => user;

    // Valuation
    public Task<ApiResult<ModelInfo>> GetModelInfoAsync(CancellationToken ct) => GetAsync<ModelInfo>("model/info", ApiJson.SnakeCase, ct);

    /// <summary>POST /estimate. A 422 (no valid row) still carries every row's problem, so it is returned as a batch too.</summary>
    public async Task<ApiResult<EstimateBatch>> EstimateAsync(JsonArray properties, int comparables, CancellationToken ct)
    {
        var body = new JsonObject { ["properties"] = properties };
        var result = await SendAsync(HttpMethod.Post, $"estimate?comparables={comparables}", body, ct).ConfigureAwait(false);
        if (result.Problem is { Status: 422, Body: { } problem } && problem.TryGetProperty("results", out var rows))
        {
            var rejected = rows.Deserialize<List<EstimateRow>>(ApiJson.SnakeCase) ?? [];
            return new ApiResult<EstimateBatch>(new EstimateBatch(null, 0, rejected.Count, 0, rejected.Count, rejected), null);
        }

        return Read<EstimateBatch>(result, ApiJson.SnakeCase);
    }

    public Task<ApiResult<List<ModelVersionInfo>>> ListVersionsAsync(string model, CancellationToken ct) =>
        GetAsync<List<ModelVersionInfo>>($"registry/{Uri.EscapeDataString(model)}/versions", ApiJson.SnakeCase, ct);

    public Task<ApiResult<Dictionary<string, int>>> GetAliasesAsync(string model, CancellationToken ct) =>
        GetAsync<Dictionary<string, int>>($"registry/{Uri.EscapeDataString(model)}/aliases", ApiJson.SnakeCase, ct);

    public async Task<ApiResult<JsonElement>> SetAliasAsync(string model, string alias, int version, CancellationToken ct) =>
        Read<JsonElement>(await SendAsync(HttpMethod.Post, $"registry/{Uri.EscapeDataString(model)}/aliases/{Uri.EscapeDataString(alias)}",
            new JsonObject { ["version"] = version }, ct).ConfigureAwait(false), ApiJson.SnakeCase);

    public async Task<ApiResult<string>> GetQualityReportAsync(CancellationToken ct)
    {
        var result = await SendAsync(HttpMethod.Get, "metrics/summary", null, ct).ConfigureAwait(false);
        return result.Problem is null ? new ApiResult<string>(result.Value, null) : result.Problem;
    }

    public Task<ApiResult<ReportPlotListInfo>> ListReportPlotsAsync(string model, int version, CancellationToken ct) =>
        GetAsync<ReportPlotListInfo>($"registry/{Uri.EscapeDataString(model)}/versions/{version}/plots", ApiJson.SnakeCase, ct);

    /// <summary>GET one report plot's PNG (<c>/registry/{model}/versions/{version}/plots/{plot}</c>).</summary>
    public async Task<ApiResult<byte[]>> GetReportPlotAsync(string model, int version, string plot, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, $"registry/{Uri.EscapeDataString(model)}/versions/{version}/plots/{Uri.EscapeDataString(plot)}", null);
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? new ApiResult<byte[]>(await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false), null)
                : ApiProblem.FromResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
        catch (HttpRequestException exception)
        {
            return ApiProblem.FromUnreachable(exception);
        }
        catch (TaskCanceledException exception) when (!ct.IsCancellationRequested)
        {
            return ApiProblem.FromUnreachable(exception);
        }
    }

    public Task<ApiResult<DriftReportInfo>> GetDriftAsync(CancellationToken ct) => GetAsync<DriftReportInfo>("monitoring/drift", ApiJson.SnakeCase, ct);

    public async Task<ApiResult<string>> GetPrometheusTextAsync(CancellationToken ct)
    {
        var result = await SendAsync(HttpMethod.Get, "metrics/prometheus", null, ct).ConfigureAwait(false);
        return result.Problem is null ? new ApiResult<string>(result.Value, null) : result.Problem;
    }

    // Portfolio twin (tenant-scoped)
    public Task<ApiResult<UserList>> ListUsersAsync(int limit, CancellationToken ct) =>
        GetAsync<UserList>($"users?limit={limit}", ApiJson.SnakeCase, ct);

    public async Task<ApiResult<RecommendationList>> RecommendAsync(string userId, int topK, MatchFilters filters, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["user_id"] = userId,
            ["top_k"] = topK,
            ["filters"] = JsonSerializer.SerializeToNode(filters, ApiJson.SnakeCase),
        };
        return Read<RecommendationList>(await SendAsync(HttpMethod.Post, "recommend", body, ct).ConfigureAwait(false), ApiJson.SnakeCase);
    }

    public async Task<ApiResult<SimilarList>> SimilarAsync(string propertyId, int topK, CancellationToken ct) =>
        Read<SimilarList>(await SendAsync(HttpMethod.Post, "similar", new JsonObject { ["property_id"] = propertyId, ["top_k"] = topK }, ct)
            .ConfigureAwait(false), ApiJson.SnakeCase);

    public Task<ApiResult<MatchExplanation>> ExplainAsync(string userId, string propertyId, CancellationToken ct) =>
        GetAsync<MatchExplanation>($"recommend/{Uri.EscapeDataString(userId)}/explain/{Uri.EscapeDataString(propertyId)}", ApiJson.SnakeCase, ct);

    public async Task<ApiResult<JsonElement>> PostInteractionAsync(string userId, string propertyId, string kind, CancellationToken ct)
    {
        var interaction = new JsonObject
        {
            ["event_id"] = "dashboard-" + Guid.NewGuid().ToString("N"),
            ["user_id"] = userId,
            ["property_id"] = propertyId,
            ["kind"] = kind,
            ["occurred_at"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        return Read<JsonElement>(await SendAsync(HttpMethod.Post, "interactions", new JsonObject { ["interactions"] = new JsonArray(interaction) }, ct)
            .ConfigureAwait(false), ApiJson.SnakeCase);
    }

    // Training workflows (API key)
    public Task<ApiResult<WorkflowPage>> ListWorkflowsAsync(int pageSize, CancellationToken ct) =>
        GetAsync<WorkflowPage>($"workflows?pageSize={pageSize}", ApiJson.Web, ct);

    public Task<ApiResult<WorkflowInfo>> GetWorkflowAsync(string instanceId, CancellationToken ct) =>
        GetAsync<WorkflowInfo>($"workflows/{Uri.EscapeDataString(instanceId)}", ApiJson.Web, ct);

    public async Task<ApiResult<WorkflowStarted>> StartWorkflowAsync(string name, JsonObject input, CancellationToken ct) =>
        Read<WorkflowStarted>(await SendAsync(HttpMethod.Post, $"workflows/{Uri.EscapeDataString(name)}/start", input, ct).ConfigureAwait(false), ApiJson.Web);

    public async Task<ApiProblem?> RaiseWorkflowEventAsync(string instanceId, string eventName, JsonObject payload, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Post, $"workflows/{Uri.EscapeDataString(instanceId)}/events/{Uri.EscapeDataString(eventName)}", payload, ct)
            .ConfigureAwait(false)).Problem;

    public async Task<ApiProblem?> TerminateWorkflowAsync(string instanceId, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Post, $"workflows/{Uri.EscapeDataString(instanceId)}/terminate", null, ct).ConfigureAwait(false)).Problem;

    /// <summary>Opens <c>GET /workflows/{id}/stream</c> (server-sent events) for relaying to the browser.</summary>
    public async Task<ApiResult<HttpResponseMessage>> OpenWorkflowStreamAsync(string instanceId, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, $"workflows/{Uri.EscapeDataString(instanceId)}/stream", null);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new ApiResult<HttpResponseMessage>(response, null);
            }

            using (response)
            {
                return ApiProblem.FromResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            }
        }
        catch (HttpRequestException exception)
        {
            return ApiProblem.FromUnreachable(exception);
        }
    }

    private async Task<ApiResult<T>> GetAsync<T>(string path, JsonSerializerOptions options, CancellationToken ct) =>
        Read<T>(await SendAsync(HttpMethod.Get, path, null, ct).ConfigureAwait(false), options);

    private static ApiResult<T> Read<T>(ApiResult<string> response, JsonSerializerOptions options)
    {
        if (response.Problem is { } problem)
        {
            return problem;
        }

        try
        {
            return new ApiResult<T>(JsonSerializer.Deserialize<T>(response.Value is { Length: > 0 } text ? text : "null", options), null);
        }
        catch (JsonException exception)
        {
            return new ApiProblem(200, "The API answered in an unexpected shape.", exception.Message, null);
        }
    }

    private async Task<ApiResult<string>> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = Request(method, path, body);
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? new ApiResult<string>(text, null) : ApiProblem.FromResponse(response.StatusCode, text);
        }
        catch (HttpRequestException exception)
        {
            return ApiProblem.FromUnreachable(exception);
        }
        catch (TaskCanceledException exception) when (!ct.IsCancellationRequested)
        {
            return ApiProblem.FromUnreachable(exception);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, JsonNode? body)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(TenantHeader, user.TenantId);
        if ((IsAdminRoute(method, path) ? user.ApiKey : user.TenantKey) is { } key)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    // The admin key has no tenant, so it opens only the platform-wide routes; a tenant key opens only its tenant's.
    private static bool IsAdminRoute(HttpMethod method, string path) =>
        path.StartsWith("workflows", StringComparison.Ordinal)
        || (method == HttpMethod.Post && path.StartsWith("registry/", StringComparison.Ordinal) && path.Contains("/aliases/", StringComparison.Ordinal));
}
