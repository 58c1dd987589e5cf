using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Platform.Dashboard.Api;

/// <summary>
/// The base address of the public API the dashboard calls: <see cref="DashboardOptions.ApiBaseUrl"/>, else the host's own first
/// listening address (wildcard hosts become loopback), so the dashboard talks to its host exactly as any client would.
/// </summary>
public sealed class PlatformApiAddress(IOptions<DashboardOptions> options, IServer server)
{
    private Uri? _resolved;

    public Uri BaseAddress => _resolved ??= Resolve();

    private Uri Resolve()
    {
        if (!string.IsNullOrWhiteSpace(options.Value.ApiBaseUrl))
        {
            return new Uri(options.Value.ApiBaseUrl.TrimEnd('/') + "/");
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"The host has no listening address yet; set {DashboardOptions.SectionName}:ApiBaseUrl.");
        var builder = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (builder.Host is "0.0.0.0" or "[::]" or "::")
        {
            builder.Host = "127.0.0.1";
        }

        builder.Path = "/";
        return builder.Uri;
    }
}
