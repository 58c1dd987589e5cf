using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>
/// Every page against the trained demo data: it renders its content and no error state, keyboard focus reaches the navigation,
/// and tenants stay apart. Each page's screenshot is saved under TestResults/dashboard-pages; with
/// <c>DASHBOARD_SCREENSHOTS_DIR</c> set (README, "Dashboard") the README's screenshots are written there too.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTourTests(DashboardFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public Task Every_page_renders_the_demo_data_without_an_error_state() =>
        InBrowserAsync(nameof(Every_page_renders_the_demo_data_without_an_error_state), admin: true, async page =>
        {
            // Some traffic and a streamed estimate, so Monitoring and Live have something to show.
            await page.GotoAsync("/dashboard/estimate");
            await Fixture.PublishEstimateRequestAsync(new JsonObject { ["request_id"] = "tour", ["properties"] = new JsonArray() });
            await page.GotoAsync("/dashboard/matches?user=u000005&explain=");
            var firstMatch = await page.GetByTestId("matches").Locator("article").First.GetAttributeAsync("data-property");
            await page.GotoAsync($"/dashboard/matches?user=u000005&explain={firstMatch}&similar={firstMatch}");
            await Expect(page.GetByTestId("explanation").Locator("tbody tr").First).ToBeVisibleAsync();
            await Expect(page.GetByTestId("similar").Locator("tbody tr").First).ToBeVisibleAsync();
            await SaveAsync(page, "matches");

            await page.GotoAsync("/dashboard/models?model=price");
            await Expect(page.GetByTestId("compare")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("report")).ToBeVisibleAsync();
            await SaveAsync(page, "models");

            await page.GotoAsync("/dashboard/models?model=twin");
            await Expect(page.GetByTestId("versions")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("report-plots")).ToBeVisibleAsync();
            await SaveAsync(page, "models-twin");

            await page.GotoAsync("/dashboard/workflows");
            await Expect(page.GetByTestId("workflows").Locator("tbody tr").First).ToBeVisibleAsync();
            await page.GetByTestId("workflows").Locator("tbody tr a").First.ClickAsync();
            await Expect(page.GetByTestId("steps")).ToBeVisibleAsync();
            await SaveAsync(page, "workflow");

            await page.GotoAsync("/dashboard/monitoring");
            await Expect(page.GetByTestId("drift-level")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("routes")).ToContainTextAsync("/estimate");
            await Expect(page.GetByTestId("serving")).ToContainTextAsync("champion");
            await SaveAsync(page, "monitoring");

            await page.GotoAsync("/dashboard/estimate");
            var form = page.GetByTestId("estimate-form");
            foreach (var feature in await Fixture.FeaturesAsync())
            {
                var field = form.GetByLabel(feature.Name, new() { Exact = false }).First;
                await (feature.Numeric ? field.FillAsync(feature.Typical) : field.SelectOptionAsync(feature.Typical));
            }

            await form.GetByRole(AriaRole.Button, new() { Name = "Estimate" }).ClickAsync();
            await Expect(page.GetByTestId("contributions")).ToBeVisibleAsync();
            await SaveAsync(page, "estimate");
            await page.GotoAsync("/dashboard/live");
            await SaveAsync(page, "live");

            foreach (var path in new[] { "/", "/dashboard/estimate", "/dashboard/live", "/dashboard/matches", "/dashboard/models", "/dashboard/workflows", "/dashboard/monitoring" })
            {
                await page.GotoAsync(path);
                await Expect(page.GetByTestId("problem")).ToHaveCountAsync(0);
            }

            // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator(":focus")).ToHaveTextAsync("Skip to content");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("main:focus")).ToHaveCountAsync(1);
        });

    [Fact]
    public Task A_tenant_sees_only_its_own_users_and_workflows() =>
        InBrowserAsync(nameof(A_tenant_sees_only_its_own_users_and_workflows), admin: true, async page =>
        {
            var otherRun = await Fixture.StartWorkflowAsync("PriceModelTraining", new JsonObject
            {
                ["tenantId"] = DashboardFixture.OtherTenant,
                ["modelName"] = "price-other",
                ["dataChecks"] = new JsonObject { ["minRows"] = 1_000_000 },
            });
            await page.GotoAsync("/dashboard/workflows");
            await Expect(page.GetByTestId("workflows")).ToBeVisibleAsync();
            await Expect(page.Locator($"tr[data-instance='{otherRun}']")).ToHaveCountAsync(0);
            await page.GotoAsync($"/dashboard/workflows/{otherRun}");
            await Expect(page.GetByTestId("problem")).ToContainTextAsync("not found");

            await page.GotoAsync("/dashboard/matches");
            var options = await page.GetByLabel("User", new() { Exact = true }).Locator("option").AllTextContentsAsync();
            Assert.NotEmpty(options);
            var demoUsers = options.Count;

            // Signed in for the other tenant, the same page offers that tenant's users only.
            var other = await Fixture.Browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = Fixture.BaseUrl });
            try
            {
                await other.GotoAsync("/dashboard/matches");
                await other.GetByLabel("Tenant").FillAsync(DashboardFixture.OtherTenant);
                await other.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
                await Expect(other.GetByTestId("signed-in")).ToContainTextAsync(DashboardFixture.OtherTenant);
                Assert.Equal("/dashboard/matches", new Uri(other.Url).AbsolutePath);
                var otherOptions = await other.GetByLabel("User", new() { Exact = true }).Locator("option").CountAsync();
                Assert.Equal(10, otherOptions);
                Assert.NotEqual(demoUsers, otherOptions);
            }
            finally
            {
                await other.Context.CloseAsync();
            }
        });

    [Fact]
    public async Task Sign_in_refuses_an_unknown_tenant_and_a_wrong_key_and_pages_need_a_sign_in()
    {
        var page = await Fixture.Browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = Fixture.BaseUrl });
        try
        {
            await page.GotoAsync("/dashboard/models");
            Assert.Equal("/dashboard/signin", new Uri(page.Url).AbsolutePath);

            await page.GetByLabel("Tenant").FillAsync("no-such-tenant");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByTestId("problem")).ToContainTextAsync("Unknown tenant");

            await page.GetByLabel("Tenant").FillAsync(DashboardFixture.Tenant);
            await page.GetByLabel("API key (administrators)").FillAsync("wrong-key");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByTestId("problem")).ToContainTextAsync("API key was not accepted");
            await Expect(page.GetByTestId("signed-in")).ToHaveCountAsync(0);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task SaveAsync(IPage page, string name)
    {
        var directories = new List<string> { Path.Combine(RepoRoot(), "TestResults", "dashboard-pages") };
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOTS_DIR") is { Length: > 0 } docs)
        {
            directories.Add(docs);
        }

        foreach (var directory in directories)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"dashboard-{name}.png"), FullPage = true });
        }
    }
}
