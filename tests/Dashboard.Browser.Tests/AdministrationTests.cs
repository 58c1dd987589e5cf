using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>What only an administrator does: roll back and promote a model, start and terminate a training run; and filtering matches.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AdministrationTests(DashboardFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public Task Rolling_back_and_promoting_from_the_models_page_moves_the_champion() =>
        InBrowserAsync(nameof(Rolling_back_and_promoting_from_the_models_page_moves_the_champion), admin: true, async page =>
        {
            var champion = await ChampionAsync("price");
            var other = await OtherVersionAsync("price", champion);
            await page.GotoAsync("/dashboard/models?model=price");
            await page.Locator($"tr[data-version='{other}']").GetByTestId("promote").ClickAsync();
            await Expect(page.GetByTestId("moved")).ToContainTextAsync($"now v{other}");
            Assert.Equal(other, await ChampionAsync("price"));

            await page.Locator($"tr[data-version='{champion}']").GetByTestId("promote").ClickAsync();
            await Expect(page.GetByTestId("moved")).ToContainTextAsync($"now v{champion}");
            Assert.Equal(champion, await ChampionAsync("price"));
        });

    [Fact]
    public Task Starting_a_retraining_from_the_workflows_page_runs_it_and_terminate_stops_it() =>
        InBrowserAsync(nameof(Starting_a_retraining_from_the_workflows_page_runs_it_and_terminate_stops_it), admin: true, async page =>
        {
            await page.GotoAsync("/dashboard/workflows");
            await page.GetByLabel("Workflow", new() { Exact = true }).SelectOptionAsync("PriceModelTraining");
            await page.GetByLabel("wait for approval before the price model is deployed").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();

            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "PriceModelTraining" })).ToBeVisibleAsync();
            var id = new Uri(page.Url).AbsolutePath.Split('/')[^1];
            var state = JsonDocument.Parse(await Fixture.Api.GetStringAsync($"/workflows/{id}")).RootElement;
            Assert.Equal(DashboardFixture.Tenant, state.GetProperty("input").GetProperty("tenantId").GetString());
            Assert.True(state.GetProperty("input").GetProperty("approvalRequired").GetBoolean());

            await page.GetByTestId("terminate").ClickAsync();
            await Expect(page.GetByTestId("status")).ToHaveTextAsync("Terminated", new() { Timeout = 30_000 });
            // The page reloads itself once the run has ended, to show its server-rendered outcome (an ended run's page has no
            // progress stream); navigating away while that reload is in flight aborts the navigation.
            await Expect(page.Locator("[data-workflow-stream]:not([data-workflow-stream=''])")).ToHaveCountAsync(0);
            // ...and then stays put: an ended run's page once followed an empty stream URL, failing and reloading every 1.5 s.
            var navigations = 0;
            page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };
            await page.WaitForTimeoutAsync(2_000);
            Assert.Equal(0, navigations);
            await page.GotoAsync("/dashboard/workflows");
            await Expect(page.Locator($"tr[data-instance='{id}']")).ToContainTextAsync("Terminated");
        });

    [Fact]
    public Task Match_filters_narrow_the_cards_to_type_and_bedrooms() =>
        InBrowserAsync(nameof(Match_filters_narrow_the_cards_to_type_and_bedrooms), admin: false, async page =>
        {
            await page.GotoAsync("/dashboard/matches?user=u000007");
            await page.GetByLabel("enebolig").CheckAsync();
            await page.GetByLabel("Bedrooms at least").FillAsync("5");
            await page.GetByLabel("Max price").FillAsync("20000000");
            await page.GetByRole(AriaRole.Button, new() { Name = "Show matches" }).ClickAsync();

            var cards = page.GetByTestId("matches").Locator("article");
            await Expect(cards.First).ToBeVisibleAsync();
            foreach (var text in await cards.Locator("p").AllTextContentsAsync())
            {
                var parts = text.Split('·', StringSplitOptions.TrimEntries);
                Assert.Equal("enebolig", parts[0]);
                Assert.True(int.Parse(parts[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) >= 5, text);
            }
        });

    private async Task<int> ChampionAsync(string model) =>
        JsonDocument.Parse(await Fixture.Api.GetStringAsync($"/registry/{model}/aliases")).RootElement.GetProperty("champion").GetInt32();

    private async Task<int> OtherVersionAsync(string model, int champion)
    {
        var versions = JsonDocument.Parse(await Fixture.Api.GetStringAsync($"/registry/{model}/versions")).RootElement.EnumerateArray()
            .Select(v => v.GetProperty("version").GetInt32()).ToList();
        return versions.First(v => v != champion);
    }
}
