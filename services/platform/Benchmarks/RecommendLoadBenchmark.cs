using System.Text.Json;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;

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
        return await HttpLoadDriver.PostJsonAsync(
            client, "recommend", bodies, new Dictionary<string, string> { [TenantScope.HeaderName] = recommend.TenantId }, "\"results\":[",
            load, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[][]> BuildBodiesAsync(HttpClient client, RecommendLoadSettings settings, CancellationToken cancellationToken)
    {
        var ids = await TwinApiCalls.KnownUsersAsync(client, settings.TenantId, cancellationToken).ConfigureAwait(false);
        if (ids.Length == 0)
        {
            throw new InvalidOperationException($"Tenant '{settings.TenantId}' has no users to recommend for.");
        }

        var filters = settings.Filtered ? TwinApiCalls.TypeAndPriceFilter() : null;
        new Random(settings.Seed).Shuffle(ids);
        return [.. ids.Select(id => JsonSerializer.SerializeToUtf8Bytes(new RecommendRequest(id, settings.TopK, null, filters), TwinJson.Options))];
    }
}
