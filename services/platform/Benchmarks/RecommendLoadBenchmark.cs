using System.Net.Http.Headers;
using System.Text.Json;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Endpoints;

namespace Platform.Host.Benchmarks;

public sealed record RecommendLoadSettings(string TenantId, int TopK = 10, bool Filtered = false, int Seed = 42);

/// <summary>
/// A load client for <c>POST /recommend</c> of a running twin host: takes the tenant's users from <c>GET /users</c> (up to
/// 1,000), shuffles them (seeded) and sends one request per user in turn, all users known to the host. Requests are built
/// once up front, so the client spends its share of the CPU on HTTP only. A response other than 200 with a result list
/// counts as an error.
/// </summary>
public static class RecommendLoadBenchmark
{
    public static async Task<HttpLoadResult> RunAsync(HttpClient client, RecommendLoadSettings recommend, HttpLoadSettings load, CancellationToken cancellationToken)
    {
        var bodies = await BuildBodiesAsync(client, recommend, cancellationToken).ConfigureAwait(false);
        return await HttpLoadDriver.RunAsync(
            (n, token) =>
            {
                var content = new ByteArrayContent(bodies[n % bodies.Length]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var request = new HttpRequestMessage(HttpMethod.Post, "recommend") { Content = content };
                request.Headers.Add(TenantScope.HeaderName, recommend.TenantId);
                return client.SendAsync(request, token);
            },
            (response, payload) => response.IsSuccessStatusCode && payload.AsSpan().IndexOf("\"results\":["u8) >= 0
                ? null
                : $"{(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(payload)}",
            load,
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[][]> BuildBodiesAsync(HttpClient client, RecommendLoadSettings settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"users?limit={UserEndpoints.MaxLimit}");
        request.Headers.Add(TenantScope.HeaderName, settings.TenantId);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET users answered {(int)response.StatusCode}: {text}");
        }

        var users = JsonSerializer.Deserialize<UserEndpoints.UserListResponse>(text, TwinJson.Options)?.Users ?? [];
        if (users.Count == 0)
        {
            throw new InvalidOperationException($"Tenant '{settings.TenantId}' has no users to recommend for.");
        }

        var filters = settings.Filtered ? new SearchFilters { PropertyTypes = ["leilighet", "rekkehus"], MaxPrice = 6_000_000 } : null;
        var ids = users.Select(u => u.UserId).ToArray();
        new Random(settings.Seed).Shuffle(ids);
        return [.. ids.Select(id => JsonSerializer.SerializeToUtf8Bytes(new RecommendRequest(id, settings.TopK, null, filters), TwinJson.Options))];
    }
}
