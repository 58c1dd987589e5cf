using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Platform.BuildingBlocks.Messaging;
using Platform.Host;
using Platform.MarketData.Synthetic;
using Platform.Testing;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>
/// One platform host for the whole collection, started the way the main job starts it (<see cref="PlatformHost.Build"/>) on a
/// loopback port with a real PostgreSQL: a small synthetic demo market, both models trained through the public workflow API with
/// short settings, and one headless Debian Chromium driven by Playwright.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string Tenant = "demo";
    public const string OtherTenant = "other";
    public const string ApiKey = "dashboard-test-key";

    /// <summary>Short but real training: the tests check the dashboard, not model quality.</summary>
    public static readonly JsonObject FastPriceTraining = new()
    {
        ["training"] = new JsonObject { ["iterations"] = 40, ["leaves"] = 15 },
        ["gates"] = new JsonObject { ["minRows"] = 50, ["maxMdApeDegradation"] = 10.0, ["maxWapeDegradation"] = 10.0, ["maxKeySegmentDegradation"] = 10.0 },
    };

    /// <summary>
    /// Debian's Chromium, headless, with a fresh temporary profile per launch (Playwright's default) and nothing that phones
    /// home; Playwright's own browser download is never used.
    /// </summary>
    public static readonly BrowserTypeLaunchOptions LaunchOptions = new()
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic",
        ],
    };

    private readonly PostgresDatabaseFixture _database = new();
    private DirectoryInfo? _workspace;
    private IPlaywright? _playwright;

    public WebApplication App { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>An administrator's client of the public API (tenant header and API key), for arranging and checking.</summary>
    public HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _workspace = Directory.CreateTempSubdirectory("dashboard-browser-");
        foreach (var (tenant, properties, users, seed) in new[] { (Tenant, 1200, 40, 7), (OtherTenant, 300, 10, 8) })
        {
            var market = new SyntheticMarketGenerator(new SyntheticMarketOptions
            {
                TenantId = tenant,
                Properties = properties,
                Users = users,
                InteractionsPerUser = 60,
                Seed = seed,
            });
            await new PostgresMarketWriter(_database.DataSource).WriteAsync(market, replace: false, cancellationToken: CancellationToken.None);
        }

        BaseUrl = $"http://127.0.0.1:{Loopback.FreePort()}";
        App = PlatformHost.Build(
        [
            "--urls", BaseUrl,
            $"--ConnectionStrings:Postgres={_database.ConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(_workspace.FullName, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(_workspace.FullName, "vectors")}",
            $"--Platform:ApiKeyFile={Path.Combine(_workspace.FullName, "api-key")}",
            $"--Platform:ApiKeys:0={ApiKey}",
            // Development mode: the signed-in tenant's header is its credential (no tenant key to type in the browser).
            "--Platform:Auth:AllowTenantHeader=true",
            "--Platform:Demo:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await App.StartAsync();

        Api = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        // The tenant's credential (development mode); the admin key only where an admin route needs it.
        Api.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
        await TrainBothModelsAsync();

        // The whole suite runs test projects in parallel on two cores: give assertions room beyond Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(LaunchOptions);
    }

    /// <summary>PlatformRetraining through <c>POST /workflows/PlatformRetraining/start</c>, exactly as an operator would start it.</summary>
    private async Task TrainBothModelsAsync()
    {
        var input = new JsonObject
        {
            ["tenantId"] = Tenant,
            ["reason"] = "dashboard browser tests",
            ["price"] = Merge(new JsonObject { ["tenantId"] = Tenant }, FastPriceTraining),
            ["twin"] = new JsonObject
            {
                ["tenantId"] = Tenant,
                ["epochs"] = 6,
                ["patience"] = 6,
                ["threads"] = 1,
                ["gates"] = new JsonObject { ["minF1"] = 0.0, ["minAccuracy"] = 0.0, ["requireLossDecrease"] = false, ["maxNdcgRegression"] = 1.0 },
            },
        };
        var id = await StartWorkflowAsync("PlatformRetraining", input);
        var state = await WaitForWorkflowAsync(id, s => s.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated", TimeSpan.FromMinutes(5));
        Assert.True(state.GetProperty("runtimeStatus").GetString() == "Completed", $"training did not complete: {state}");

        // A second price version, so the registry has a champion and an older version to compare with and roll back to.
        var second = await StartWorkflowAsync("PriceModelTraining", Merge(new JsonObject { ["tenantId"] = Tenant, ["seed"] = 43 }, FastPriceTraining));
        state = await WaitForWorkflowAsync(second, s => s.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" or "Terminated", TimeSpan.FromMinutes(2));
        Assert.True(state.GetProperty("runtimeStatus").GetString() == "Completed", $"second price training did not complete: {state}");
        using var reloadRequest = new HttpRequestMessage(HttpMethod.Post, "/admin/reload");
        reloadRequest.Headers.Add("X-Api-Key", ApiKey);
        reloadRequest.Headers.Add("X-Tenant-Id", Tenant);
        using var reload = await Api.SendAsync(reloadRequest);
        reload.EnsureSuccessStatusCode();
    }

    /// <summary>Starts a run as the tenant its input names (a tenant starts runs of its own only).</summary>
    public async Task<string> StartWorkflowAsync(string name, JsonObject input)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/workflows/{name}/start") { Content = JsonContent.Create(input) };
        if (input["tenantId"]?.GetValue<string>() is { } tenant && tenant != Tenant)
        {
            request.Headers.Add("X-Tenant-Id", tenant);
        }

        using var response = await Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("instanceId").GetString()!;
    }

    public async Task<JsonElement> WaitForWorkflowAsync(string instanceId, Func<JsonElement, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement state = default;
        while (DateTime.UtcNow < deadline)
        {
            state = JsonDocument.Parse(await Api.GetStringAsync($"/workflows/{instanceId}")).RootElement.Clone();
            if (until(state))
            {
                return state;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"workflow {instanceId} did not reach the expected state in {timeout}: {state}");
    }

    /// <summary>What a streaming client does: publish an estimate request on the pub/sub topic the valuation service consumes.</summary>
    public Task PublishEstimateRequestAsync(JsonObject request)
    {
        // A streamed request names its tenant, whose champion prices it.
        request["tenant_id"] ??= Tenant;
        return App.Services.GetRequiredService<IEventPublisher>().PublishAsync(Topics.EstimateRequests, JsonSerializer.SerializeToElement(request));
    }

    /// <summary>A browser context (fresh cookies) signed in as the tenant, with or without the API key.</summary>
    public async Task<IPage> SignedInPageAsync(bool admin)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("Tenant").FillAsync(Tenant);
        if (admin)
        {
            await page.GetByLabel("API key (administrators)").FillAsync(ApiKey);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in")).ToContainTextAsync(admin ? "administrator" : "analyst");
        return page;
    }

    public sealed record Feature(string Name, bool Numeric, string Typical);

    /// <summary>Each feature of the served model with a valid value: the middle of a numeric range, the first category.</summary>
    public async Task<List<Feature>> FeaturesAsync()
    {
        var info = JsonDocument.Parse(await Api.GetStringAsync("/model/info")).RootElement;
        var features = new List<Feature>();
        foreach (var f in info.GetProperty("features").EnumerateArray())
        {
            var name = f.GetProperty("name").GetString()!;
            if (f.GetProperty("kind").GetString() == "numeric")
            {
                if (f.TryGetProperty("min", out var min) && f.TryGetProperty("max", out var max))
                {
                    features.Add(new Feature(name, true, Math.Round((min.GetDouble() + max.GetDouble()) / 2).ToString(CultureInfo.InvariantCulture)));
                }
            }
            else if (f.TryGetProperty("categories", out var categories) && categories.GetArrayLength() > 0)
            {
                features.Add(new Feature(name, false, categories[0].GetString()!));
            }
        }

        Assert.NotEmpty(features);
        return features;
    }

    public static JsonObject Merge(JsonObject target, JsonObject extra)
    {
        foreach (var (key, value) in extra)
        {
            target[key] = value?.DeepClone();
        }

        return target;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Api?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await _database.DisposeAsync();
        _workspace?.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
