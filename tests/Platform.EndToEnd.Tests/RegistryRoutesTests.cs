using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Registry;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The all-in-one host maps the platform-wide registry routes once (from the building blocks' champion-model block) and serves
/// every model through them, price and twin alike, with the same JSON as the valuation host; the demo is off, so nothing trains.
/// </summary>
public sealed class RegistryRoutesTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_all_in_one_host_serves_the_registry_for_every_model_and_the_reload_route()
    {
        await using var host = await RegistryHost.StartAsync(database);
        var (app, url) = (host.App, host.Url);
        var registry = app.Services.GetRequiredService<ModelRegistry>();
        using var file = new MemoryStream([1, 2, 3]);
        var twin = await registry.RegisterAsync("e2e", ModelNames.Twin, file, new Dictionary<string, double> { ["ndcg_at_10"] = 0.5 },
            new ModelLineage("sha256:abc", new Dictionary<string, string>(), "test"));
        using var anonymous = new HttpClient { BaseAddress = new Uri(url) };
        // Reading the registry needs a credential of the tenant; moving an alias or reloading needs the admin key naming the tenant.
        using var reader = new HttpClient { BaseAddress = new Uri(url) };
        reader.DefaultRequestHeaders.Add("X-Api-Key", (await app.Services.GetRequiredService<ApiKeyStore>().CreateAsync("e2e", [PlatformScopes.Estimate], null)).Key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/registry/{ModelNames.Twin}/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/challenger", new { version = 1 })).StatusCode);
        using var admin = new HttpClient { BaseAddress = new Uri(url) };
        anonymous.DefaultRequestHeaders.Add("X-Tenant-Id", "e2e");
        admin.DefaultRequestHeaders.Add("X-Tenant-Id", "e2e");
        admin.DefaultRequestHeaders.Add("X-Api-Key", LocalApiKey.LoadOrCreate(Path.Combine(host.Workspace.FullName, "api-key")));

        var versions = await reader.GetFromJsonAsync<JsonElement>($"/registry/{ModelNames.Twin}/versions");
        var listed = Assert.Single(versions.EnumerateArray());
        Assert.Equal(twin.Version, listed.GetProperty("version").GetInt32());
        Assert.Equal(ModelNames.Twin, listed.GetProperty("model_name").GetString());
        Assert.Equal(0.5, listed.GetProperty("metrics").GetProperty("ndcg_at_10").GetDouble());
        Assert.Equal("sha256:abc", listed.GetProperty("lineage").GetProperty("data_hash").GetString());

        // The header alone is a development-mode tenant credential here, without the admin scope.
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/challenger", new { version = 1 })).StatusCode);
        using var moved = await admin.PostAsJsonAsync($"/registry/{ModelNames.Twin}/aliases/challenger", new { version = twin.Version });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var body = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ModelNames.Twin, body.GetProperty("model").GetString());
        Assert.Equal(twin.Version, body.GetProperty("version").GetInt32());
        Assert.False(body.TryGetProperty("previous_version", out _));
        var aliases = await reader.GetFromJsonAsync<Dictionary<string, int>>($"/registry/{ModelNames.Twin}/aliases");
        Assert.Equal(twin.Version, aliases!["challenger"]);
        Assert.Empty((await reader.GetFromJsonAsync<JsonElement>($"/registry/{ModelNames.Price}/versions")).EnumerateArray());

        // No price model yet: the reload route is there, needs the key, and answers 503 until one is deployed.
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.PostAsync("/admin/reload", null)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await admin.PostAsync("/admin/reload", null)).StatusCode);

        // Another tenant sees none of it: not the version, its lineage, nor the alias.
        using var other = new HttpClient { BaseAddress = new Uri(url) };
        other.DefaultRequestHeaders.Add("X-Tenant-Id", "e2e-other");
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>($"/registry/{ModelNames.Twin}/versions")).EnumerateArray());
        Assert.Empty((await other.GetFromJsonAsync<Dictionary<string, int>>($"/registry/{ModelNames.Twin}/aliases"))!);
    }

    [Fact]
    public async Task Versions_and_aliases_of_an_unknown_model_are_404_naming_the_field_and_a_platform_model_not_trained_yet_has_none()
    {
        await using var host = await RegistryHost.StartAsync(database);
        var (app, url) = (host.App, host.Url);
        using var file = new MemoryStream([1, 2, 3]);
        await app.Services.GetRequiredService<ModelRegistry>().RegisterAsync("e2e-own", "own-model", file, new Dictionary<string, double>(),
            new ModelLineage("sha256:abc", new Dictionary<string, string>(), "test"));
        using var owner = new HttpClient { BaseAddress = new Uri(url) };
        owner.DefaultRequestHeaders.Add("X-Tenant-Id", "e2e-own");
        using var other = new HttpClient { BaseAddress = new Uri(url) };
        other.DefaultRequestHeaders.Add("X-Tenant-Id", "e2e-else");

        // The platform's models exist for every tenant: none trained yet is no alias yet.
        Assert.Empty((await other.GetFromJsonAsync<Dictionary<string, int>>($"/registry/{ModelNames.Price}/aliases"))!);
        Assert.Empty((await other.GetFromJsonAsync<Dictionary<string, int>>($"/registry/{ModelNames.Twin}/aliases"))!);
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>($"/registry/{ModelNames.Price}/versions")).EnumerateArray());
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>($"/registry/{ModelNames.Twin}/versions")).EnumerateArray());
        // A model the tenant registered, without aliases yet.
        Assert.Empty((await owner.GetFromJsonAsync<Dictionary<string, int>>("/registry/own-model/aliases"))!);
        Assert.Single((await owner.GetFromJsonAsync<JsonElement>("/registry/own-model/versions")).EnumerateArray());

        // Any other name is unknown to the tenant, also one another tenant registered (its existence is not told).
        foreach (var (client, model) in new[] { (other, "no-such-model"), (other, "own-model"), (other, "Not%20A%20Name"), (owner, "no-such-model") })
        {
            foreach (var view in new[] { "aliases", "versions" })
            {
                using var response = await client.GetAsync($"/registry/{model}/{view}");
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal("model", problem.GetProperty("field").GetString());
                Assert.Equal(404, problem.GetProperty("status").GetInt32());
            }
        }

        // Both views document the 404.
        using var document = JsonDocument.Parse(await other.GetStringAsync("/openapi/v1.json"));
        foreach (var view in new[] { "aliases", "versions" })
        {
            var responses = document.RootElement.GetProperty("paths").GetProperty($"/registry/{{model}}/{view}").GetProperty("get").GetProperty("responses");
            Assert.True(responses.TryGetProperty("404", out _), view);
        }
    }

    /// <summary>The all-in-one host on a throwaway data folder: the demo off (nothing trains), the tenant header allowed (development mode).</summary>
    private sealed class RegistryHost(WebApplication app, string url, DirectoryInfo workspace) : IAsyncDisposable
    {
        public WebApplication App => app;

        public string Url => url;

        public DirectoryInfo Workspace => workspace;

        public static async Task<RegistryHost> StartAsync(PostgresDatabaseFixture database)
        {
            var workspace = Directory.CreateTempSubdirectory("platform-registry-");
            var url = $"http://127.0.0.1:{Loopback.FreePort()}";
            var app = PlatformHost.Build(AllInOneHostArguments.For(url, database.ConnectionString, workspace.FullName,
                "--Platform:Demo:Enabled=false",
                "--Platform:Auth:AllowTenantHeader=true"));
            await app.StartAsync();
            return new RegistryHost(app, url, workspace);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
            workspace.Delete(recursive: true);
        }
    }
}
