using System.Net.Http.Json;
using System.Text.Json;
using Platform.BuildingBlocks.Messaging;

namespace Platform.Valuation.Api.Tests;

/// <summary>Drift against the champion's training distribution, measured on the rows the API accepted.</summary>
public sealed class DriftMonitoringTests(ChampionFixture fixture) : IClassFixture<ChampionFixture>
{
    [Fact]
    public async Task Requests_shifted_to_large_condos_raise_a_psi_alert_and_publish_it()
    {
        using var client = fixture.Factory.CreateClient();
        var before = await client.GetFromJsonAsync<JsonElement>("/monitoring/drift");
        Assert.Equal("insufficient_data", before.GetProperty("level").GetString());

        // Every row becomes a large condo: still inside the training range and categories, but far from their distribution.
        var info = await client.GetFromJsonAsync<JsonElement>("/model/info");
        var sqft = info.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "sqft");
        var large = sqft.GetProperty("max").GetDouble() * 0.9;
        var rows = SacramentoData.Rows(100, skip: 200).ToList();
        foreach (var row in rows)
        {
            row["sqft"] = large;
            row["type"] = "Condo";
        }

        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(rows));
        response.EnsureSuccessStatusCode();

        var alert = await fixture.Factory.Events.WaitForAsync(Topics.DriftAlerts, _ => true, TimeSpan.FromSeconds(10));
        Assert.Equal("alert", alert.Data.GetProperty("level").GetString());
        Assert.Contains(alert.Data.GetProperty("features").EnumerateArray(), f => f.GetProperty("feature").GetString() == "sqft");

        var report = await client.GetFromJsonAsync<JsonElement>("/monitoring/drift");
        var drift = report.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "sqft");
        Assert.Equal("alert", report.GetProperty("level").GetString());
        Assert.True(drift.GetProperty("psi").GetDouble() >= 0.25);
        Assert.True(drift.GetProperty("ks").GetDouble() > 0.5);
        Assert.Equal(100, drift.GetProperty("samples").GetInt32());
        // Condos are a small share of the training sales; a window of only condos is a categorical drift (PSI, no KS).
        var type = report.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "type");
        Assert.True(type.GetProperty("psi").GetDouble() >= 0.25);
        Assert.False(type.TryGetProperty("ks", out _));
        var city = report.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("feature").GetString() == "city");
        Assert.Equal(100, city.GetProperty("samples").GetInt32());

        var prometheus = PrometheusText.Parse(await client.GetStringAsync("/metrics/prometheus"));
        Assert.Contains(prometheus, s => s.Name.StartsWith("platform_valuation_drift_psi", StringComparison.Ordinal) && s.Labels.GetValueOrDefault("feature") == "sqft");
        Assert.Contains(prometheus, s => s.Name.StartsWith("platform_valuation_estimates", StringComparison.Ordinal) && s.Value >= 100);
        Assert.Contains(prometheus, s => s.Name.StartsWith("platform_valuation_model_version", StringComparison.Ordinal) && s.Value == fixture.Champion.Version);
    }
}
