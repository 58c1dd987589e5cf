using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Valuation.Api.Tests;

/// <summary>The TTL is an hour here, so only model-deployed events (or /admin/reload) can change the serving model.</summary>
public sealed class LongTtlChampionFixture : ChampionFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Valuation:CacheTtl"] = "01:00:00" };
}

public sealed class ModelLifecycleTests(LongTtlChampionFixture fixture) : IClassFixture<LongTtlChampionFixture>
{
    private async Task<int> WaitForServingVersionAsync(HttpClient client, int version)
    {
        var serving = 0;
        for (var attempt = 0; attempt < 100 && serving != version; attempt++)
        {
            serving = (await client.GetFromJsonAsync<JsonElement>("/model/info")).GetProperty("version").GetInt32();
            if (serving != version)
            {
                await Task.Delay(50);
            }
        }

        return serving;
    }

    private static async Task<int> EstimateVersionAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/estimate", SacramentoData.Request(SacramentoData.Rows(1)));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0].GetProperty("model_version").GetInt32();
    }

    [Fact]
    public async Task Promotion_reloads_on_the_event_rollback_moves_back_and_a_corrupt_artifact_keeps_the_previous_model()
    {
        using var client = fixture.Factory.CreateClient();
        using var admin = fixture.Factory.CreateAdminClient();
        var v1 = fixture.Champion.Version;
        var v2 = (await ChampionFixture.RegisterAsync(fixture.Factory.Services)).Version;

        // Promote: the alias move publishes model-deployed and the cache reloads without waiting for the TTL.
        using (var promoted = await admin.PostAsJsonAsync($"/registry/price/aliases/champion", new { version = v2 }))
        {
            Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
            Assert.Equal(v1, (await promoted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("previous_version").GetInt32());
        }

        Assert.Equal(v2, await WaitForServingVersionAsync(client, v2));
        Assert.Equal(v2, await EstimateVersionAsync(client));

        // Roll back: another alias move.
        (await admin.PostAsJsonAsync($"/registry/price/aliases/champion", new { version = v1 })).EnsureSuccessStatusCode();
        Assert.Equal(v1, await WaitForServingVersionAsync(client, v1));
        var aliases = await client.GetFromJsonAsync<Dictionary<string, int>>("/registry/price/aliases");
        Assert.Equal(v1, aliases!["champion"]);
        var versions = await client.GetFromJsonAsync<JsonElement>("/registry/price/versions");
        Assert.Equal([v1, v2], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));

        // A corrupt artifact: the registry's hash check fails, v1 keeps serving and the error is reported.
        var v3 = await ChampionFixture.RegisterAsync(fixture.Factory.Services);
        var artifactPath = Path.Combine(fixture.Factory.ArtifactsPath, v3.ArtifactId);
        var bytes = await File.ReadAllBytesAsync(artifactPath);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(artifactPath, bytes);
        (await admin.PostAsJsonAsync($"/registry/price/aliases/champion", new { version = v3.Version })).EnsureSuccessStatusCode();

        using var reload = await admin.PostAsync("/admin/reload", null);
        var info = await reload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.Equal(v1, info.GetProperty("version").GetInt32());
        Assert.Contains($"v{v3.Version}", info.GetProperty("last_error").GetString());
        Assert.Equal(v1, await EstimateVersionAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);
    }
}
