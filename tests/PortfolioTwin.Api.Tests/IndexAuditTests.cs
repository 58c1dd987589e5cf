using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>An index rebuild is an admin action: the audit log has it, for the tenant it rebuilt, with the count it indexed.</summary>
[Collection(TwinApiCollection.Name)]
public sealed class IndexAuditTests(TwinApiFixture fixture)
{
    [Fact]
    public async Task A_rebuild_is_recorded_for_its_tenant_with_the_number_indexed()
    {
        var key = await fixture.Factory.Services.GetRequiredService<ApiKeyStore>().CreateAsync(TwinApiFixture.Alpha, [PlatformScopes.TwinWrite], null);
        using var client = fixture.Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Key);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/index/rebuild", null)).StatusCode);

        var log = fixture.Factory.Services.GetRequiredService<IAuditLog>();
        var entry = Assert.Single((await log.QueryAsync(new AuditQuery(TenantId: TwinApiFixture.Alpha, Action: AuditActions.IndexRebuild))).Entries);
        Assert.Equal((TwinApiFixture.Alpha, AuditOutcome.Succeeded, 200), (entry.Target, entry.Outcome, entry.StatusCode ?? 0));
        Assert.Equal(fixture.AlphaMarket.Properties.Count, entry.Detail!.Value.GetProperty("indexed").GetInt32());
        Assert.Equal("key:" + key.Record.KeyId, entry.Identity);
    }
}
