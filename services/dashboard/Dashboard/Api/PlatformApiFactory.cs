using Microsoft.AspNetCore.Http;
using Platform.Dashboard.Auth;

namespace Platform.Dashboard.Api;

/// <summary>Creates <see cref="PlatformApi"/> for the signed-in user, or for credentials being checked at sign-in.</summary>
public sealed class PlatformApiFactory(IHttpClientFactory clients, IHttpContextAccessor accessor)
{
    public PlatformApi For(DashboardUser user) => new(clients.CreateClient(PlatformApi.HttpClientName), user);

    public PlatformApi ForCurrentUser() =>
        For(accessor.HttpContext?.User is { } principal && DashboardUser.From(principal) is { } user
            ? user
            : throw new InvalidOperationException("No one is signed in to the dashboard; the page or route must require the dashboard policy."));
}
