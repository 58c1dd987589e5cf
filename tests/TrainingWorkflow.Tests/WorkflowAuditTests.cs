using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Auth;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// Every workflow command through the management API (start, pause, resume, raise event, terminate, purge) lands in the audit
/// log with its target and outcome; reads (get, list) do not.
/// </summary>
public sealed class WorkflowAuditTests(WorkflowAuditTests.AuditFixture fixture) : IClassFixture<WorkflowAuditTests.AuditFixture>
{
    private const string ApiKey = "audit-workflow-key";

    public sealed class AuditFixture() : ManagementApiFixture(ApiKey);

    [Fact]
    public async Task Each_command_is_recorded_with_its_target_and_outcome_and_reads_are_not()
    {
        var http = fixture.Http;
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=audit-ctl", 60)).StatusCode);
        await fixture.Host.WaitForAsync("audit-ctl", s => s.RuntimeStatus == Dapr.Workflow.WorkflowRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/workflows/audit-ctl/pause", null)).StatusCode);
        await fixture.Host.WaitForAsync("audit-ctl", s => s.RuntimeStatus == Dapr.Workflow.WorkflowRuntimeStatus.Suspended);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync("/workflows/audit-ctl/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/workflows/audit-ctl/events/approve", "bo")).StatusCode);
        await fixture.Host.WaitForCompletionAsync("audit-ctl");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/workflows/audit-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/workflows/audit-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=audit-term", 60)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/workflows/audit-term/terminate", "why")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/workflows/audit-none/pause", null)).StatusCode);

        var log = fixture.Host.Services.GetRequiredService<IAuditLog>();
        var entries = (await log.QueryAsync(new AuditQuery(Action: "workflow"))).Entries.Reverse()
            .Select(e => (e.Action, e.Target, e.Outcome, e.StatusCode, e.TenantId))
            .ToList();
        Assert.Equal(
            [
                (AuditActions.WorkflowStart, "ApprovalWorkflow/audit-ctl", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowPause, "audit-ctl", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowResume, "audit-ctl", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowRaiseEvent, "audit-ctl", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowPurge, "audit-ctl", AuditOutcome.Succeeded, 204, null),
                (AuditActions.WorkflowStart, "ApprovalWorkflow/audit-term", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowTerminate, "audit-term", AuditOutcome.Succeeded, 202, null),
                (AuditActions.WorkflowPause, "audit-none", AuditOutcome.Rejected, 404, (string?)null),
            ],
            entries);

        var all = await log.QueryAsync(new AuditQuery());
        Assert.Equal("approve", all.Entries.Single(e => e.Action == AuditActions.WorkflowRaiseEvent).Detail!.Value.GetProperty("event").GetString());
        Assert.True(all.Entries.First(e => e.Action == AuditActions.WorkflowStart).Detail!.Value.GetProperty("created").GetBoolean());
        Assert.All(all.Entries, e => Assert.StartsWith("workflow.", e.Action, StringComparison.Ordinal));
        Assert.All(all.Entries, e => Assert.Equal(PlatformCredentials.AdminIdentity, e.Identity));
    }
}
