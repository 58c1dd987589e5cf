using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Dashboard.Browser.Tests;

[Collection(DashboardCollection.Name)]
public sealed class DashboardPageTests(DashboardFixture fixture) : BrowserTest(fixture)
{
    [Fact]
    public Task Estimate_form_returns_an_estimate_with_its_interval_and_contributions() =>
        InBrowserAsync(nameof(Estimate_form_returns_an_estimate_with_its_interval_and_contributions), admin: false, async page =>
        {
            var features = await Fixture.FeaturesAsync();
            await page.GotoAsync("/dashboard/estimate");
            var form = page.GetByTestId("estimate-form");
            foreach (var feature in features)
            {
                var field = form.GetByLabel(feature.Name, new() { Exact = false }).First;
                if (feature.Numeric)
                {
                    await field.FillAsync(feature.Typical);
                }
                else
                {
                    await field.SelectOptionAsync(feature.Typical);
                }
            }

            await form.GetByRole(AriaRole.Button, new() { Name = "Estimate" }).ClickAsync();
            await Expect(page.GetByTestId("estimate")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9,]+$"));
            await Expect(page.GetByTestId("interval")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9,]+ – [0-9,]+$"));
            var estimate = Number(await page.GetByTestId("estimate").TextContentAsync());
            var interval = (await page.GetByTestId("interval").TextContentAsync())!.Split('–').Select(Number).ToArray();
            Assert.InRange(estimate, interval[0], interval[1]);
            Assert.True(await page.GetByTestId("contributions").Locator("tbody tr").CountAsync() > 0);
            await Expect(page.GetByAltText(new System.Text.RegularExpressions.Regex("Waterfall"))).ToBeVisibleAsync();
            Assert.True(await page.GetByTestId("comparables").Locator("tbody tr").CountAsync() > 0);
            await Expect(page.GetByTestId("comparables-map")).ToBeVisibleAsync();
        });

    [Fact]
    public Task Csv_upload_with_one_bad_row_shows_that_rows_error_and_the_others_estimates() =>
        InBrowserAsync(nameof(Csv_upload_with_one_bad_row_shows_that_rows_error_and_the_others_estimates), admin: false, async page =>
        {
            var features = await Fixture.FeaturesAsync();
            var numeric = features.First(f => f.Numeric);
            var csv = new StringBuilder("property_id," + string.Join(",", features.Select(f => f.Name)) + "\n");
            for (var i = 1; i <= 3; i++)
            {
                csv.Append($"row-{i},").AppendJoin(",", features.Select(f => i == 2 && f == numeric ? "not-a-number" : f.Typical)).Append('\n');
            }

            await page.GotoAsync("/dashboard/estimate");
            await page.GetByLabel("CSV file", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "batch.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
            await page.GetByRole(AriaRole.Button, new() { Name = "Estimate all" }).ClickAsync();

            var table = page.GetByTestId("batch");
            await Expect(page.GetByTestId("batch-summary")).ToContainTextAsync("2 of 3 rows estimated, 1 with errors");
            var bad = table.Locator("tr[data-line='3']");
            await Expect(bad).ToHaveClassAsync("rejected");
            await Expect(bad).ToContainTextAsync(numeric.Name);
            foreach (var line in new[] { "2", "4" })
            {
                var good = table.Locator($"tr[data-line='{line}']");
                await Expect(good).Not.ToHaveClassAsync("rejected");
                Assert.True(Number(await good.Locator("td").Nth(2).TextContentAsync()) > 0);
            }

            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download").ClickAsync());
            var downloaded = await File.ReadAllTextAsync((await download.PathAsync())!);
            Assert.Contains("row-2", downloaded);
            Assert.Contains("rejected", downloaded);
            Assert.Equal(4, downloaded.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        });

    [Fact]
    public Task A_thumbs_down_removes_that_property_from_the_users_recommendations() =>
        InBrowserAsync(nameof(A_thumbs_down_removes_that_property_from_the_users_recommendations), admin: false, async page =>
        {
            const string user = "u000003";
            await page.GotoAsync($"/dashboard/matches?user={user}");
            var first = page.GetByTestId("matches").Locator("article").First;
            var propertyId = await first.GetAttributeAsync("data-property");
            Assert.False(string.IsNullOrEmpty(propertyId));
            await first.GetByRole(AriaRole.Button, new() { Name = $"Thumbs down for {propertyId}" }).ClickAsync();

            await Expect(page.GetByTestId("feedback")).ToContainTextAsync($"dislike for {propertyId}");
            await Expect(page.GetByTestId("matches").Locator("article").First).ToBeVisibleAsync();
            await Expect(page.Locator($"article[data-property='{propertyId}']")).ToHaveCountAsync(0);

            // The API agrees: the dislike was stored and the property is excluded for this user.
            using var response = await Fixture.Api.PostAsJsonAsync("/recommend", new { user_id = user, top_k = 50 });
            var ids = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("results").EnumerateArray()
                .Select(r => r.GetProperty("property_id").GetString()).ToList();
            Assert.DoesNotContain(propertyId, ids);
        });

    [Fact]
    public Task Approving_a_waiting_workflow_from_its_page_completes_it() =>
        InBrowserAsync(nameof(Approving_a_waiting_workflow_from_its_page_completes_it), admin: true, async page =>
        {
            var input = DashboardFixture.Merge(new JsonObject { ["tenantId"] = DashboardFixture.Tenant, ["approvalRequired"] = true }, DashboardFixture.FastPriceTraining);
            var id = await Fixture.StartWorkflowAsync("PriceModelTraining", input);
            await Fixture.WaitForWorkflowAsync(id, s => s.TryGetProperty("customStatus", out var c) && c.ValueKind == JsonValueKind.Object
                && c.GetProperty("step").GetString() == "approval", TimeSpan.FromMinutes(2));

            await page.GotoAsync($"/dashboard/workflows/{id}");
            await Expect(page.GetByTestId("status")).ToHaveTextAsync("Running");
            await page.GetByLabel("Comment").FillAsync("looks good");
            await page.GetByTestId("approve").ClickAsync();

            await Expect(page.GetByTestId("status")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            await Expect(page.GetByTestId("steps")).ToContainTextAsync("DeployModelActivity");
            var state = await Fixture.WaitForWorkflowAsync(id, s => s.GetProperty("runtimeStatus").GetString() == "Completed", TimeSpan.FromSeconds(5));
            Assert.True(state.GetProperty("output").GetProperty("deployed").GetBoolean(), state.ToString());

            // The page's progress feed: the public stream relayed with the administrator's key, here its final event.
            var relay = await page.APIRequest.GetAsync($"/dashboard/workflows/{id}/stream");
            Assert.Equal("text/event-stream", relay.Headers["content-type"].Split(';')[0]);
            var events = await relay.TextAsync();
            Assert.Contains("event: status", events);
            Assert.Contains("\"runtimeStatus\":\"Completed\"", events);
        });

    [Fact]
    public Task A_streamed_estimate_appears_on_the_live_page_without_reload() =>
        InBrowserAsync(nameof(A_streamed_estimate_appears_on_the_live_page_without_reload), admin: false, async page =>
        {
            var features = await Fixture.FeaturesAsync();
            await page.GotoAsync("/dashboard/live");
            await Expect(page.GetByTestId("live-status")).ToContainTextAsync("Connected");
            await page.EvaluateAsync("() => window.__sameDocument = true");

            var propertyId = "live-" + Guid.NewGuid().ToString("N")[..8];
            var row = new JsonObject { ["property_id"] = propertyId, ["actual_price"] = 4_000_000 };
            foreach (var feature in features)
            {
                row[feature.Name] = feature.Numeric ? JsonValue.Create(double.Parse(feature.Typical, CultureInfo.InvariantCulture)) : JsonValue.Create(feature.Typical);
            }

            await Fixture.PublishEstimateRequestAsync(new JsonObject { ["request_id"] = "browser-test", ["properties"] = new JsonArray(row) });

            var live = page.GetByTestId("live-table").Locator("tbody tr", new() { HasText = propertyId });
            await Expect(live).ToHaveCountAsync(1);
            await Expect(live).ToContainTextAsync("ok");
            await Expect(live).ToContainTextAsync("%");
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        });

    [Fact]
    public Task A_non_admin_sees_no_promote_or_terminate() =>
        InBrowserAsync(nameof(A_non_admin_sees_no_promote_or_terminate), admin: false, async page =>
        {
            // A running instance exists, so an administrator would see Terminate on its page.
            var input = DashboardFixture.Merge(new JsonObject { ["tenantId"] = DashboardFixture.Tenant, ["approvalRequired"] = true }, DashboardFixture.FastPriceTraining);
            var id = await Fixture.StartWorkflowAsync("PriceModelTraining", input);

            await page.GotoAsync("/dashboard/models?model=price");
            await Expect(page.GetByTestId("versions")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("promote")).ToHaveCountAsync(0);

            await page.GotoAsync($"/dashboard/workflows/{id}");
            await Expect(page.GetByTestId("admin-only")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("terminate")).ToHaveCountAsync(0);

            // The same pages for an administrator do show both, so the absence above is the role, not a broken page.
            var admin = await Fixture.SignedInPageAsync(admin: true);
            try
            {
                await admin.GotoAsync("/dashboard/models?model=price");
                await Expect(admin.GetByTestId("promote").First).ToBeVisibleAsync();
                await admin.GotoAsync($"/dashboard/workflows/{id}");
                await Expect(admin.GetByTestId("terminate")).ToBeVisibleAsync();
                await admin.GetByTestId("terminate").ClickAsync();
                await Expect(admin.GetByTestId("status")).ToHaveTextAsync("Terminated", new() { Timeout = 30_000 });
            }
            finally
            {
                await admin.Context.CloseAsync();
            }
        });

    private static double Number(string? text) => double.Parse(text!.Replace(",", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}
