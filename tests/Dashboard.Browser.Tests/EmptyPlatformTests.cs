using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using Platform.Dashboard.Api;
using Platform.Dashboard.Auth;
using Platform.Host;
using Platform.MarketData.Postgres;
using Platform.Testing;
using static Microsoft.Playwright.Assertions;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>
/// The empty states: a host whose tenant exists but no model was ever trained, and an API that cannot be reached. Pages say
/// what is missing instead of failing.
/// </summary>
public sealed class EmptyPlatformTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private const string ApiKey = "empty-platform-key";
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("dashboard-empty-");
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _url = "";

    public async Task InitializeAsync()
    {
        await new TenantStore(database.DataSource).EnsureAsync("empty");
        _url = $"http://127.0.0.1:{Loopback.FreePort()}";
        _app = PlatformHost.Build(
        [
            "--urls", _url,
            $"--ConnectionStrings:Postgres={database.ConnectionString}",
            $"--Platform:Embedded:ArtifactsPath={Path.Combine(_workspace.FullName, "artifacts")}",
            $"--VectorIndex:Embedded:DataDirectory={Path.Combine(_workspace.FullName, "vectors")}",
            $"--Platform:ApiKeys:0={ApiKey}",
            "--Platform:Auth:AllowTenantHeader=true",
            "--Platform:Demo:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(DashboardFixture.LaunchOptions);
    }

    [Fact]
    public async Task Without_a_model_the_pages_say_so()
    {
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { BaseURL = _url });
        try
        {
            await page.GotoAsync("/dashboard/signin");
            await page.GetByLabel("Tenant").FillAsync("empty");
            await page.GetByLabel("API key (administrators)").FillAsync(ApiKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByTestId("signed-in")).ToContainTextAsync("administrator");

            await page.GotoAsync("/dashboard/estimate");
            await Expect(page.GetByTestId("problem")).ToContainTextAsync("No model is deployed yet");
            await page.GotoAsync("/dashboard/models?model=price");
            await Expect(page.GetByTestId("no-versions")).ToBeVisibleAsync();
            await page.GotoAsync("/dashboard/matches");
            await Expect(page.GetByText("has no users yet")).ToBeVisibleAsync();
            await page.GotoAsync("/dashboard/workflows");
            await Expect(page.GetByText("No workflow has run for this tenant yet.")).ToBeVisibleAsync();
            await page.GotoAsync("/dashboard/live");
            await Expect(page.GetByText("No estimates streamed yet.")).ToBeVisibleAsync();
            await page.GotoAsync("/dashboard/monitoring");
            await Expect(page.GetByTestId("serving")).ToContainTextAsync("No model is deployed.");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task An_unreachable_api_is_a_problem_not_a_crash()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/") };
        var api = new PlatformApi(http, new DashboardUser("empty", null));
        var info = await api.GetModelInfoAsync(CancellationToken.None);
        Assert.True(info.Problem?.Unreachable, "a closed port must read as unreachable");
        Assert.False(info.Ok);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _workspace.Delete(recursive: true);
    }
}
