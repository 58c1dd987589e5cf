using System.Net;
using System.Text;
using Platform.Host.Benchmarks.Fuzz;

namespace Platform.Api.Fuzz.Tests;

/// <summary>The storage check can fail: the fingerprint is stable while nothing is stored and moves with any stored row.</summary>
[Collection(FuzzTargetCollection.Name)]
public sealed class FuzzTargetTests(FuzzTargetFixture fixture)
{
    [Fact]
    public async Task The_storage_fingerprint_is_stable_across_rejected_requests_and_changes_when_a_row_is_stored()
    {
        var target = fixture.Target;
        var before = await target.StorageFingerprintAsync(CancellationToken.None);
        using var client = FuzzCampaign.CreateClient(target.BaseAddress, 1);
        using var rejected = new HttpRequestMessage(HttpMethod.Post, "interactions") { Content = new StringContent("{\"interactions\":[", Encoding.UTF8, "application/json") };
        rejected.Headers.Add("X-Tenant-Id", FuzzTarget.TenantA);
        using (var response = await client.SendAsync(rejected))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(before, await target.StorageFingerprintAsync(CancellationToken.None));

        await new Platform.MarketData.Postgres.TenantStore(fixture.Database.DataSource).EnsureAsync("fuzz-probe");

        Assert.NotEqual(before, await target.StorageFingerprintAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_fingerprint_skips_reading_the_tables_only_while_the_snapshot_stands_still_and_sees_an_update_in_place()
    {
        var target = fixture.Target;
        var before = await target.StorageFingerprintAsync(CancellationToken.None);
        var unchangedBefore = target.FingerprintCounts.Unchanged;
        // Nothing writes between these (the sidecar's heartbeat may, now and then, and then the tables are read again).
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(before, await target.StorageFingerprintAsync(CancellationToken.None));
        }

        Assert.True(target.FingerprintCounts.Unchanged > unchangedBefore);

        // An update keeps the row count: the row's new version moves the fingerprint all the same.
        await using (var update = fixture.Database.DataSource.CreateCommand("UPDATE tenants SET name = name WHERE tenant_id = @tenant"))
        {
            update.Parameters.AddWithValue("tenant", FuzzTarget.TenantA);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        Assert.NotEqual(before, await target.StorageFingerprintAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_bench_verb_rejects_bad_options_before_it_starts_anything()
    {
        var command = FuzzBenchmarkCommand.Create();

        Assert.Equal(2, await command.Parse(["--requests", "0"]).InvokeAsync());
        Assert.Equal(2, await command.Parse(["--concurrency", "0"]).InvokeAsync());
        Assert.Equal(2, await command.Parse(["--first", "-1"]).InvokeAsync());
        // The two connection strings go together (neither: a throwaway cluster).
        Assert.Equal(2, await command.Parse(["--connection-string", "Host=127.0.0.1;Username=postgres"]).InvokeAsync());
        Assert.Equal(2, await command.Parse(["--service-connection-string", "Host=127.0.0.1;Username=platform_app"]).InvokeAsync());
    }

    [Fact]
    public void Both_tenants_are_seeded_and_only_tenant_b_carries_the_marker()
    {
        Assert.NotEmpty(fixture.Target.A.UserIds);
        Assert.NotEmpty(fixture.Target.B.PropertyIds);
        Assert.All(fixture.Target.B.UserIds.Concat(fixture.Target.B.PropertyIds), id => Assert.StartsWith(FuzzTarget.LeakMarker + "-", id));
        Assert.DoesNotContain(fixture.Target.A.UserIds.Concat(fixture.Target.A.PropertyIds), id => id.Contains(FuzzTarget.LeakMarker, StringComparison.Ordinal));
    }
}
