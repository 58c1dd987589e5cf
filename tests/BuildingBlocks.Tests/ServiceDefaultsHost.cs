using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.Testing;

namespace Platform.BuildingBlocks.Tests;

/// <summary>
/// A real ASP.NET host composed as every service composes its own (<c>AddServiceDefaults</c>, <c>UseServiceDefaults</c>,
/// <c>MapDefaultEndpoints</c>), with a test's settings, services and routes: on a TestServer, or on a free loopback port where
/// the test needs Kestrel itself (its limits, the client's address).
/// </summary>
public sealed class ServiceDefaultsHost : IAsyncDisposable
{
    private ServiceDefaultsHost(WebApplication app, Uri? url)
    {
        App = app;
        Url = url;
    }

    public WebApplication App { get; }

    /// <summary>The loopback address Kestrel listens on; null on a TestServer.</summary>
    public Uri? Url { get; }

    public int Port => Url?.Port ?? throw new InvalidOperationException("The host runs on a TestServer, not on a port.");

    /// <param name="settings">Configuration on top of warnings-only logs, in place before the defaults read it.</param>
    /// <param name="configure">The test's services, after the defaults' (so a registration of the test's wins).</param>
    /// <param name="map">The test's routes, beside the default endpoints and behind the default middleware.</param>
    /// <param name="loopback">Kestrel on a free loopback port instead of a TestServer.</param>
    public static async Task<ServiceDefaultsHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null, bool loopback = false)
    {
        var builder = WebApplication.CreateBuilder();
        var url = loopback ? new Uri($"http://127.0.0.1:{Loopback.FreePort()}") : null;
        if (url is null)
        {
            builder.WebHost.UseTestServer();
        }
        else
        {
            builder.WebHost.UseUrls(url.ToString());
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults();
        configure?.Invoke(builder);

        var app = builder.Build();
        try
        {
            app.UseServiceDefaults();
            app.MapDefaultEndpoints();
            map?.Invoke(app);
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ServiceDefaultsHost(app, url);
    }

    /// <summary>A client of the host: of its TestServer, or an ordinary one addressed to its port.</summary>
    public HttpClient CreateClient() => Url is null ? App.GetTestClient() : new HttpClient { BaseAddress = Url };

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
