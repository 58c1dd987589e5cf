using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Registry;
using Platform.Testing;

namespace Platform.Valuation.Api.Tests;

/// <summary>The valuation host records its write and admin actions (training requests, forced reloads) in the audit log.</summary>
public sealed class ValuationAuditTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private readonly ValuationApiFactory _factory = new(database.ConnectionString);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Training_requests_and_reloads_are_recorded_with_target_and_outcome()
    {
        using var admin = _factory.CreateAdminClient();

        using var accepted = await admin.PostAsJsonAsync("/monitoring/training-requests", new { tenant_id = "audit-acme", reason = "drift" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var eventId = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("event_id").GetString();
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/monitoring/training-requests", new { reason = "no tenant" })).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await admin.PostAsync("/admin/reload", null)).StatusCode);
        using var anonymous = _factory.CreateClient();
        // Refused before the handler (401, or 403 where the test host's development mode gives it a tenant identity): not recorded.
        var refused = (await anonymous.PostAsJsonAsync("/monitoring/training-requests", new { tenant_id = "audit-anon" })).StatusCode;
        Assert.Contains(refused, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });

        var log = _factory.Services.GetRequiredService<IAuditLog>();
        var entries = (await log.QueryAsync(new AuditQuery())).Entries.Reverse().ToList();
        Assert.Equal(
            [
                (AuditActions.TrainingRequest, "audit-acme", AuditOutcome.Succeeded, 202),
                (AuditActions.TrainingRequest, "", AuditOutcome.Rejected, 400),
                (AuditActions.ModelReload, ModelNames.Price, AuditOutcome.Failed, 503),
            ],
            entries.Select(e => (e.Action, e.Target, e.Outcome, e.StatusCode ?? 0)));
        Assert.Equal(eventId, entries[0].Detail!.Value.GetProperty("event_id").GetString());
    }
}
