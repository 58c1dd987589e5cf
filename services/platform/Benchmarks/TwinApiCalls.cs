using System.Net.Http.Json;
using Platform.BuildingBlocks.Tenancy;
using Platform.PortfolioTwin.Api.Contracts;
using Platform.PortfolioTwin.Api.Endpoints;

namespace Platform.Host.Benchmarks;

/// <summary>The twin API calls the benchmarks make outside the measured load: JSON in and out, the tenant named in its header.</summary>
internal static class TwinApiCalls
{
    /// <summary>Sends <paramref name="body"/> (none when null) and reads the answer; anything but a success throws with its status and body.</summary>
    public static async Task<TResponse> SendAsync<TResponse>(
        HttpClient client, HttpMethod method, string path, object? body, string tenantId, CancellationToken cancellationToken)
    {
        using var request = HttpLoadDriver.Request(method, path, new Dictionary<string, string> { [TenantScope.HeaderName] = tenantId },
            body is null ? null : JsonContent.Create(body, body.GetType(), options: TwinJson.Options));
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"{method} {path.Split('?')[0]} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return await response.Content.ReadFromJsonAsync<TResponse>(TwinJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{method} {path.Split('?')[0]} answered an empty body.");
    }

    /// <summary>The tenant's users as <c>GET /users</c> lists them (up to its limit).</summary>
    public static async Task<string[]> KnownUsersAsync(HttpClient client, string tenantId, CancellationToken cancellationToken)
    {
        var list = await SendAsync<UserEndpoints.UserListResponse>(
            client, HttpMethod.Get, $"users?limit={UserEndpoints.MaxLimit}", null, tenantId, cancellationToken).ConfigureAwait(false);
        return [.. list.Users.Select(u => u.UserId)];
    }

    /// <summary><c>POST /recommend</c> for one user, with the type + price filter when <paramref name="filters"/> is given.</summary>
    public static Task<RecommendResponse> RecommendAsync(
        HttpClient client, string tenantId, string userId, int topK, SearchFilters? filters, CancellationToken cancellationToken) =>
        SendAsync<RecommendResponse>(client, HttpMethod.Post, "recommend", new RecommendRequest(userId, topK, null, filters), tenantId, cancellationToken);

    /// <summary>The filter of the in-process twin benchmarks and of <c>recommend-load --filtered</c>: flats and terraced houses up to 6 M.</summary>
    public static SearchFilters TypeAndPriceFilter() => new() { PropertyTypes = ["leilighet", "rekkehus"], MaxPrice = 6_000_000 };
}
