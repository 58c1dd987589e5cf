using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Registry;
using Platform.Host;
using Platform.Testing;

namespace Platform.Lab.Tests;

/// <summary>
/// The real all-in-one host on loopback and a fresh PostgreSQL database, started once for the lab scenarios: a small demo
/// market trained by the bootstrap workflow, chaos enabled, the challenger alias on a 20 % canary, a low per-client rate
/// limit (so a burst meets it) and a small drift window (so drift shows within seconds).
/// </summary>
public sealed class LabPlatformFixture : IAsyncLifetime
{
    public const string ApiKey = "lab-tests-admin-key";
    private static readonly TimeSpan BootstrapBudget = TimeSpan.FromMinutes(8);
    private readonly PostgresDatabaseFixture _database = new();
    private DirectoryInfo? _workspace;

    public WebApplication App { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public PostgresDatabaseFixture Database => _database;

    public string Workspace => _workspace!.FullName;

    public ModelRegistry Registry => App.Services.GetRequiredService<ModelRegistry>();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _workspace = Directory.CreateTempSubdirectory("platform-lab-");
        Url = new Uri($"http://127.0.0.1:{Loopback.FreePort()}");
        App = PlatformHost.Build(
        [
            "--urls", Url.ToString().TrimEnd('/'),
            $"--ConnectionStrings:Postgres={_database.ConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(Workspace, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(Workspace, "vectors")}",
            $"--Platform:ApiKeys:0={ApiKey}",
            $"--Platform:DemoTenantKeyFile={Path.Combine(Workspace, "demo-tenant-key")}",
            "--Platform:Demo:Properties=600",
            "--Platform:Demo:Users=30",
            "--Platform:Demo:InteractionsPerUser=30",
            "--Platform:Chaos:Enabled=true",
            // Low enough for the burst scenario's 400 req/s to meet it; high enough that the open-loop generator's catch-up
            // after the process stalls (training runs in it, on two cores) does not.
            "--Platform:RateLimit:PermitLimit=200",
            "--Valuation:Release:Mode=Canary",
            "--Valuation:Release:Share=0.2",
            "--Valuation:DriftWindowSize=300",
            "--Valuation:DriftMinSamples=100",
            "--Valuation:DriftCheckEveryRows=50",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await App.StartAsync();
        await WaitForBootstrapAsync();
    }

    /// <summary>The main job's demo tenant key (written at start-up).</summary>
    public string DemoTenantKey => File.ReadAllText(Path.Combine(Workspace, "demo-tenant-key")).Trim();

    /// <summary>
    /// A lab client as the CLI makes one: the tenant header on every call, the demo tenant's key on tenant calls, the admin key on
    /// admin calls.
    /// </summary>
    public PlatformClient Client(string tenant = "demo") => new(Url, tenant, ApiKey, tenantKey: tenant == "demo" ? DemoTenantKey : null);

    private async Task WaitForBootstrapAsync()
    {
        using var http = new HttpClient { BaseAddress = Url };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        var deadline = DateTime.UtcNow + BootstrapBudget;
        string? status = null;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync($"/workflows/{DemoBootstrapService.BootstrapInstanceIdFor("demo")}");
            if (response.IsSuccessStatusCode)
            {
                status = (await response.Content.ReadFromJsonAsync<JsonObject>())?["runtimeStatus"]?.ToString();
                if (status is "Completed")
                {
                    using var ready = await http.GetAsync("/ready");
                    if (ready.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                else if (status is "Failed" or "Terminated")
                {
                    break;
                }
            }

            await Task.Delay(1000);
        }

        throw new InvalidOperationException($"The platform's bootstrap training did not complete (last status: {status ?? "not started"}).");
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await _database.DisposeAsync();
        _workspace?.Delete(recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class LabPlatformCollection : ICollectionFixture<LabPlatformFixture>
{
    public const string Name = "lab platform";
}

/// <summary>Runs a class's tests in the order of their names (the drift scenario retrains in the background, so it goes last).</summary>
public sealed class ByNameOrderer : Xunit.Sdk.ITestCaseOrderer
{
    public const string TypeName = "Platform.Lab.Tests.ByNameOrderer";
    public const string AssemblyName = "Lab.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : Xunit.Abstractions.ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
