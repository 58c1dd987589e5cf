using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.Testing;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>
/// A tenant's key starts the platform retraining for its own tenant: a missing tenant is its own, another tenant is refused,
/// and the run (with its child runs) is that tenant's. The tenant has no data, so the run stops at its data checks.
/// </summary>
public sealed class RetrainingTenancyTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_tenant_key_retrains_its_own_tenant_and_no_other()
    {
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_trigger_tenancy");
        var key = (await host.Services.GetRequiredService<ApiKeyStore>().CreateAsync("solo", [PlatformScopes.Workflows], null)).Key;
        using var http = host.CreateHttpClient(key);

        var other = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { tenantId = "quiet" });
        var nestedOther = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { price = new { tenantId = "quiet" } });
        var own = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { reason = "mine" });

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("input.tenantId", (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, nestedOther.StatusCode);
        Assert.Equal("input.price.tenantId", (await nestedOther.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        var started = (await own.Content.ReadFromJsonAsync<WorkflowStartResponse>())!;
        Assert.StartsWith("retrain-solo-", started.InstanceId, StringComparison.Ordinal);
        var run = await host.WaitAsync(started.InstanceId);
        Assert.Equal(("solo", "mine"), (run.TenantId, run.ReadInputAs<PlatformRetrainingInput>()!.Reason));

        var runs = await host.Workflows.ListAsync(pageSize: 500);
        Assert.True(runs.TotalCount >= 2, "the retraining and its child runs");
        Assert.All(runs.Items, i => Assert.Equal("solo", i.TenantId));
        var listed = (await http.GetFromJsonAsync<WorkflowListResponse>("/workflows?pageSize=500"))!;
        Assert.Equal(runs.TotalCount, listed.TotalCount);
        Assert.Equal(0, (await host.Workflows.ListAsync(null, null, 1, 500, WorkflowAccess.Tenant("quiet"))).TotalCount);
    }
}
