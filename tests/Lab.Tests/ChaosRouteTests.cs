using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Platform.Host;
using Platform.Testing;

namespace Platform.Lab.Tests;

/// <summary>The chaos route exists only on a host started with chaos enabled, and only for the admin key.</summary>
[Collection(LabPlatformCollection.Name)]
public sealed class ChaosRouteTests(LabPlatformFixture platform)
{
    [Fact]
    public async Task Without_chaos_enabled_the_route_is_absent()
    {
        // A host of its own on its own database: nothing it does can touch the scenarios' platform.
        var database = new PostgresDatabaseFixture();
        await database.InitializeAsync();
        var url = $"http://127.0.0.1:{new Random().Next(20_000, 40_000)}";
        await using var app = PlatformHost.Build(
        [
            "--urls", url,
            $"--ConnectionStrings:Postgres={database.ConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(platform.Workspace, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(platform.Workspace, "vectors-second")}",
            $"--Platform:ApiKeys:0={LabPlatformFixture.ApiKey}",
            "--Platform:Demo:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Add("X-Api-Key", LabPlatformFixture.ApiKey);

        using var response = await http.PutAsJsonAsync("/admin/chaos", new { ports = new { state_store = new { error_rate = 1.0 } } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await app.StopAsync();
        await database.DisposeAsync();
    }

    [Fact]
    public async Task With_chaos_enabled_the_route_needs_the_admin_key_and_validates_its_input()
    {
        using var anonymous = new HttpClient { BaseAddress = platform.Url };
        anonymous.DefaultRequestHeaders.Add("X-Tenant-Id", "demo");
        using var refused = await anonymous.PutAsJsonAsync("/admin/chaos", new { ports = new { state_store = new { error_rate = 1.0 } } });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        anonymous.DefaultRequestHeaders.Add("X-Api-Key", LabPlatformFixture.ApiKey);
        using var unknownPort = await anonymous.PutAsJsonAsync("/admin/chaos", new { ports = new { disk = new { error_rate = 1.0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, unknownPort.StatusCode);
        Assert.Contains("ports.disk", await unknownPort.Content.ReadAsStringAsync());
        using var badRate = await anonymous.PutAsJsonAsync("/admin/chaos", new { ports = new { pubsub = new { drop_rate = 2.0 } } });
        Assert.Equal(HttpStatusCode.BadRequest, badRate.StatusCode);
        Assert.Contains("drop_rate", await badRate.Content.ReadAsStringAsync());

        // Read as the demo tenant (registry reads are the tenant's; the admin key only operates the platform).
        using var tenant = new HttpClient { BaseAddress = platform.Url };
        tenant.DefaultRequestHeaders.Add("X-Api-Key", platform.DemoTenantKey);

        // A fault in force fails the registry read (state store) with problem details; clearing it restores service.
        using var set = await anonymous.PutAsJsonAsync("/admin/chaos", new { ports = new { state_store = new { error_rate = 1.0 } } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        try
        {
            using var failing = await tenant.GetAsync("/registry/price/aliases");
            Assert.Equal(HttpStatusCode.InternalServerError, failing.StatusCode);
            Assert.Equal("application/problem+json", failing.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            using var cleared = await anonymous.DeleteAsync("/admin/chaos");
            Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        }

        using var healthy = await tenant.GetAsync("/registry/price/aliases");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }
}
