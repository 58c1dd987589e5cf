using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.BuildingBlocks.Dapr;
using Platform.Dapr.Tests.FakeSidecar;

namespace Platform.Dapr.Tests;

/// <summary>A small app on a loopback port wired the way a service is in Dapr mode: AddDaprBuildingBlocks + UseDaprBuildingBlocks.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<TestApp> StartAsync(
        FakeDaprSidecar sidecar,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? endpoints = null,
        IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dapr:GrpcEndpoint"] = sidecar.GrpcEndpoint,
            ["Dapr:HttpEndpoint"] = sidecar.HttpEndpoint,
            ["Dapr:EventSource"] = sidecar.Options.AppId,
            // Explicit empty values so a DAPR_API_TOKEN/APP_API_TOKEN in the test runner's environment cannot leak in.
            ["DAPR_API_TOKEN"] = sidecar.Options.DaprApiToken ?? string.Empty,
            ["APP_API_TOKEN"] = sidecar.Options.AppApiToken ?? string.Empty,
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Services.AddDaprBuildingBlocks(builder.Configuration);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseDaprBuildingBlocks();
        endpoints?.Invoke(app);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return new TestApp(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
