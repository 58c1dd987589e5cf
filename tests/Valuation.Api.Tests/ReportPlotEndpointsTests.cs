using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Model.Evaluation;
using Platform.Valuation.Model.Reporting;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// <c>GET /registry/{model}/versions/{version}/plots</c> and <c>.../plots/{plot}</c>: the plots training stores beside a
/// version's report, listed in order and served as PNG; an unknown version or plot is a 404 naming the field.
/// </summary>
public sealed class ReportPlotEndpointsTests(ChampionFixture fixture) : IClassFixture<ChampionFixture>
{
    [Fact]
    public async Task A_version_with_report_plots_lists_them_and_serves_each_as_png()
    {
        var (version, plots) = await RegisterWithPlotsAsync();
        using var client = fixture.Factory.CreateClient();

        var list = await client.GetFromJsonAsync<JsonElement>($"/registry/price/versions/{version}/plots");
        Assert.Equal(version, list.GetProperty("version").GetInt32());
        var listed = list.GetProperty("plots").EnumerateArray().ToList();
        Assert.Equal(["predicted_vs_actual", "residuals_vs_predicted", "residual_distribution", "feature_importance"],
            listed.Select(p => p.GetProperty("name").GetString()));
        Assert.All(listed, p => Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("title").GetString())));

        foreach (var (plot, link) in plots.Zip(listed))
        {
            using var response = await client.GetAsync(link.GetProperty("url").GetString());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(plot.Png, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task An_unknown_plot_or_version_is_404_problem_details_naming_the_field()
    {
        var (version, _) = await RegisterWithPlotsAsync();
        using var client = fixture.Factory.CreateClient();

        await AssertProblemAsync(client, $"/registry/price/versions/{version}/plots/roc", "plot");
        await AssertProblemAsync(client, "/registry/price/versions/9999/plots/predicted_vs_actual", "version");
        await AssertProblemAsync(client, "/registry/price/versions/9999/plots", "version");
        await AssertProblemAsync(client, "/registry/no-such-model/versions/1/plots", "version");
    }

    [Fact]
    public async Task A_version_registered_without_plots_lists_none_and_serves_none()
    {
        using var client = fixture.Factory.CreateClient();
        var champion = fixture.Champion.Version;

        var list = await client.GetFromJsonAsync<JsonElement>($"/registry/price/versions/{champion}/plots");
        Assert.Equal(0, list.GetProperty("plots").GetArrayLength());
        await AssertProblemAsync(client, $"/registry/price/versions/{champion}/plots/predicted_vs_actual", "plot");
    }

    private static async Task AssertProblemAsync(HttpClient client, string path, string field)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    /// <summary>Registers a version the way the training pipeline does: Markdown report with its ScottPlot plots beside it.</summary>
    private async Task<(int Version, IReadOnlyList<PriceReportPlot> Plots)> RegisterWithPlotsAsync()
    {
        double[] actual = [.. Enumerable.Range(1, 60).Select(i => 100_000.0 + 5_000 * i)];
        double[] predicted = [.. actual.Select((a, i) => a * (1 + ((i % 7) - 3) / 50.0))];
        var report = new PriceReport(MetricsCalculator.Summarise(actual, predicted, [.. actual.Select(_ => (string?)"all")]), 240, 60, 0.8, 80,
            "test", 0, FeatureImportance: new Dictionary<string, double> { ["sqft"] = 0.3, ["beds"] = 0.1 });
        var plots = ReportWriter.Plots(report, actual, predicted);

        var services = fixture.Factory.Services;
        var artifacts = services.GetRequiredService<IArtifactStore>();
        var reportId = $"reports/price/{Guid.NewGuid():N}/report.md";
        await ReportPlots.WriteAsync(artifacts, reportId, plots.Select(p => new ReportPlotImage(p.Name, p.Title, p.Png)));
        await artifacts.PutAsync(reportId, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(ReportWriter.Markdown(report, [.. plots.Select(p => p.Name + ".png")]))));
        var trained = await TrainedPriceModel.Shared.Value;
        var registered = await services.GetRequiredService<ModelRegistry>().RegisterAsync(
            ValuationApiFactory.Tenant, "price", new MemoryStream(trained.ModelFile), trained.Metrics, new ModelLineage("sha256:test", new Dictionary<string, string>(), "test"),
            reportArtifactId: reportId);
        return (registered.Version, plots);
    }
}
