using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Platform.BuildingBlocks.Registry;
using static Microsoft.Playwright.Assertions;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>
/// The Models page shows the plots of the selected version's quality report, as training stored them: images that load from
/// the dashboard (200, image/png, non-empty) with alt text, and an empty state for a version registered without a report.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ModelReportPlotTests(DashboardFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public Task The_price_models_page_shows_predicted_vs_actual_residuals_and_importance_plots() =>
        InBrowserAsync(nameof(The_price_models_page_shows_predicted_vs_actual_residuals_and_importance_plots), admin: false, async page =>
        {
            await page.GotoAsync("/dashboard/models?model=price");
            await ExpectPlotsAsync(page, "predicted_vs_actual", "residuals_vs_predicted", "feature_importance");
        });

    [Fact]
    public Task The_twin_models_page_shows_training_curve_roc_and_ranking_plots() =>
        InBrowserAsync(nameof(The_twin_models_page_shows_training_curve_roc_and_ranking_plots), admin: false, async page =>
        {
            await page.GotoAsync("/dashboard/models?model=twin");
            await ExpectPlotsAsync(page, "training_curves", "roc", "ranking_metrics");
        });

    [Fact]
    public Task Choosing_another_version_shows_its_plots_and_a_version_without_a_report_shows_the_empty_state() =>
        InBrowserAsync(nameof(Choosing_another_version_shows_its_plots_and_a_version_without_a_report_shows_the_empty_state), admin: false, async page =>
        {
            var registry = Fixture.App.Services.GetRequiredService<ModelRegistry>();
            var versions = await registry.ListVersionsAsync(DashboardFixture.Tenant, "price");
            var champion = (await registry.GetAliasesAsync(DashboardFixture.Tenant, "price"))[ModelRegistry.Champion];
            var other = versions.First(v => v.Version != champion).Version;

            await page.GotoAsync("/dashboard/models?model=price");
            await page.GetByLabel("Plots of version").SelectOptionAsync(other.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.GetByRole(AriaRole.Button, new() { Name = "Show plots" }).ClickAsync();
            await Expect(page.Locator("figure[data-plot='predicted_vs_actual'] img")).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex($"version={other}&"));
            await ExpectPlotsAsync(page, "predicted_vs_actual");

            // A model imported without a report (a name no other test uses, so the price and twin registries stay as they are).
            await registry.RegisterAsync(DashboardFixture.Tenant, "imported", new MemoryStream([1, 2, 3]), new Dictionary<string, double>(),
                new ModelLineage("sha256:none", new Dictionary<string, string>(), "test"));
            await page.GotoAsync("/dashboard/models?model=imported");
            await Expect(page.GetByTestId("no-plots")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("report-plots")).ToHaveCountAsync(0);
        });

    private static async Task ExpectPlotsAsync(IPage page, params string[] names)
    {
        await Expect(page.GetByTestId("report-plots")).ToBeVisibleAsync();
        foreach (var name in names)
        {
            var image = page.Locator($"figure[data-plot='{name}'] img");
            await Expect(image).ToBeVisibleAsync();
            await Expect(image).ToHaveAttributeAsync("alt", new System.Text.RegularExpressions.Regex(".{10,}"));
            await Expect(image).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0, $"{name} did not load");

            // The same URL as the browser used, with the page's cookie: a PNG, not an error page.
            var response = await page.Context.APIRequest.GetAsync((await image.GetAttributeAsync("src"))!);
            Assert.Equal(200, response.Status);
            Assert.Equal("image/png", response.Headers["content-type"]);
            Assert.True((await response.BodyAsync()).Length > 1_000, $"{name} is nearly empty");
        }
    }
}
