using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Workflow;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// Workflow runs belong to the tenant their input names. On every <c>/workflows</c> route a key of tenant alpha never sees or
/// changes tenant beta's run, whatever <c>X-Tenant-Id</c> it sends (another tenant's run answers as an unknown id; a header
/// naming another tenant is refused); it starts runs for alpha only; the admin acts on every run, or on one tenant's when it
/// names it. Also: invalid Unicode in any workflow body is a 400 naming the field, and nothing is stored.
/// </summary>
public sealed class WorkflowTenancyTests(WorkflowTenancyTests.TenancyFixture fixture) : IClassFixture<WorkflowTenancyTests.TenancyFixture>
{
    private const string Workflow = nameof(TenantApprovalWorkflow);

    public sealed class TenancyFixture : WorkflowHostFixture
    {
        public const string AdminKey = "tenancy-admin-key";

        public string AlphaKey { get; private set; } = "";

        public string BetaKey { get; private set; } = "";

        /// <summary>Tenant alpha's key with every tenant scope but <c>workflows</c>.</summary>
        public string AlphaKeyWithoutWorkflows { get; private set; } = "";

        protected override async Task<WorkflowTestHost> StartHostAsync()
        {
            var host = await WorkflowTestHost.StartAsync(
                DataSource,
                configure: builder =>
                {
                    builder.Services.AddProblemDetails();
                    builder.Services.Configure<ApiKeyOptions>(o => o.ApiKeys.Add(AdminKey));
                    builder.AddPlatformAuth();
                },
                map: app =>
                {
                    // Authorization and the tenant after authentication, as the services compose them (both read the user it set).
                    app.UsePlatformAuth();
                    app.UsePlatformAuthorization();
                    app.MapWorkflowManagementApi();
                });
            var keys = host.Services.GetRequiredService<ApiKeyStore>();
            AlphaKey = (await keys.CreateAsync("alpha", [PlatformScopes.Workflows], null)).Key;
            BetaKey = (await keys.CreateAsync("beta", [PlatformScopes.Workflows], null)).Key;
            AlphaKeyWithoutWorkflows = (await keys.CreateAsync("alpha", [.. PlatformScopes.Tenant.Except([PlatformScopes.Workflows])], null)).Key;
            return host;
        }
    }

    [Fact]
    public async Task A_tenant_key_never_sees_or_changes_another_tenants_run_whatever_tenant_header_it_sends()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.BetaKey, "POST", $"/workflows/{Workflow}/start?instanceId=own-beta", """{"note":"b"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=own-alpha", "{}")).StatusCode);
        await fixture.Host.WaitForAsync("own-beta", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);
        var failures = new List<string>();

        foreach (var header in new string?[] { null, "alpha", "beta", "BETA", "alpha,beta", "beta,alpha" })
        {
            var ownTenant = header is null or "alpha";
            foreach (var (method, path, body) in InstanceRoutes("own-beta"))
            {
                using var response = await SendAsync(fixture.AlphaKey, method, path, body, header);
                var expected = ownTenant ? HttpStatusCode.NotFound : HttpStatusCode.Forbidden;
                var problem = await ProblemAsync(response);
                if (response.StatusCode != expected || problem is null)
                {
                    failures.Add($"{method} {path} X-Tenant-Id {header}: {(int)response.StatusCode}, expected {(int)expected} problem+json");
                    continue;
                }

                if (ownTenant)
                {
                    // The same answer as for an id nobody uses: nothing tells the run exists.
                    using var unknown = await SendAsync(fixture.AlphaKey, method, path.Replace("own-beta", "no-such-run", StringComparison.Ordinal), body, header);
                    var unknownProblem = await ProblemAsync(unknown);
                    if (unknown.StatusCode != response.StatusCode || unknownProblem is null
                        || Describe(unknownProblem.Value).Replace("no-such-run", "own-beta", StringComparison.Ordinal) != Describe(problem.Value))
                    {
                        failures.Add($"{method} {path}: answered {problem} for another tenant's run, {unknownProblem} for an unknown id");
                    }
                }
            }

            using var list = await SendAsync(fixture.AlphaKey, "GET", "/workflows?pageSize=500", null, header);
            if (ownTenant)
            {
                Assert.Equal(HttpStatusCode.OK, list.StatusCode);
                var items = (await list.Content.ReadFromJsonAsync<WorkflowListResponse>())!.Items;
                Assert.Contains(items, i => i.InstanceId == "own-alpha");
                Assert.All(items, i => Assert.Equal("alpha", i.TenantId));
            }
            else
            {
                Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
            }
        }

        // Start with beta's instance id: refused as taken, saying nothing of the run that holds it.
        using var taken = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=own-beta", "{}");
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        var takenProblem = (await ProblemAsync(taken))!.Value;
        Assert.Equal("instanceId", takenProblem.GetProperty("field").GetString());
        Assert.DoesNotContain("beta", takenProblem.GetProperty("detail").GetString()!.Replace("own-beta", "", StringComparison.Ordinal), StringComparison.Ordinal);

        Assert.Empty(failures);
        // Beta's run was neither paused, terminated, purged nor given alpha's event; beta still controls it.
        var beta = await fixture.Host.Workflows.GetAsync("own-beta");
        Assert.Equal(("beta", WorkflowRuntimeStatus.Running), (beta?.TenantId, beta?.RuntimeStatus));
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.BetaKey, "POST", "/workflows/own-beta/events/approve", "\"bea\"")).StatusCode);
        var done = await fixture.Host.WaitForCompletionAsync("own-beta");
        Assert.Equal("beta approved by bea", done.ReadOutputAs<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(fixture.BetaKey, "DELETE", "/workflows/own-beta", null)).StatusCode);
    }

    [Fact]
    public async Task A_tenant_key_starts_runs_for_its_own_tenant_only_and_a_missing_tenant_is_its_own()
    {
        using var filled = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-filled", """{"note":"n"}""");
        Assert.Equal(HttpStatusCode.Accepted, filled.StatusCode);
        var state = await fixture.Host.WaitForAsync("start-filled", _ => true);
        Assert.Equal("alpha", state.TenantId);
        Assert.Equal(("alpha", "n"), (state.ReadInputAs<TenantApprovalInput>()!.TenantId, state.ReadInputAs<TenantApprovalInput>()!.Note));

        foreach (var (input, field) in new[]
        {
            ("""{"tenantId":"beta"}""", "input.tenantId"),
            ("""{"tenantId":"alpha","TENANTID":"beta"}""", "input.TENANTID"),
            ("""{"tenantId":"alpha","note":"n","extra":[{"tenantId":"beta"}]}""", "input.extra[0].tenantId"),
            ("""{"tenantId":7}""", "input.tenantId"),
        })
        {
            using var refused = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-refused", input);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(field, (await ProblemAsync(refused))!.Value.GetProperty("field").GetString());
        }

        // A workflow of no tenant is the platform admin's; a header naming another tenant is refused before anything runs.
        using var platformWorkflow = await SendAsync(fixture.AlphaKey, "POST", "/workflows/SequenceWorkflow/start?instanceId=start-refused", """["a"]""");
        Assert.Equal(HttpStatusCode.Forbidden, platformWorkflow.StatusCode);
        Assert.Equal("name", (await ProblemAsync(platformWorkflow))!.Value.GetProperty("field").GetString());
        using var otherHeader = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-refused", "{}", "beta");
        Assert.Equal(HttpStatusCode.Forbidden, otherHeader.StatusCode);
        using var none = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-refused", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, none.StatusCode);
        Assert.Null(await fixture.Host.Workflows.GetAsync("start-refused"));

        // The admin starts for any tenant: the one its input names, or the one its header names.
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-admin-gamma", """{"tenantId":"gamma"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-admin-beta", "{}", "beta")).StatusCode);
        using var adminMismatch = await SendAsync(TenancyFixture.AdminKey, "POST", $"/workflows/{Workflow}/start?instanceId=start-refused", """{"tenantId":"gamma"}""", "beta");
        Assert.Equal(HttpStatusCode.Forbidden, adminMismatch.StatusCode);
        Assert.Equal("gamma", (await fixture.Host.WaitForAsync("start-admin-gamma", _ => true)).TenantId);
        Assert.Equal("beta", (await fixture.Host.WaitForAsync("start-admin-beta", _ => true)).TenantId);
    }

    [Fact]
    public async Task The_admin_acts_on_every_run_and_sees_one_tenants_runs_when_it_names_the_tenant()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=admin-alpha", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.BetaKey, "POST", $"/workflows/{Workflow}/start?instanceId=admin-beta", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", "/workflows/ApprovalWorkflow/start?instanceId=admin-platform", "60")).StatusCode);
        await fixture.Host.WaitForAsync("admin-beta", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);

        var all = await ListAsync(TenancyFixture.AdminKey, null);
        Assert.Equal("alpha", all.Single(i => i.InstanceId == "admin-alpha").TenantId);
        Assert.Equal("beta", all.Single(i => i.InstanceId == "admin-beta").TenantId);
        Assert.Null(all.Single(i => i.InstanceId == "admin-platform").TenantId);
        var betaOnly = await ListAsync(TenancyFixture.AdminKey, "beta");
        Assert.Contains(betaOnly, i => i.InstanceId == "admin-beta");
        Assert.All(betaOnly, i => Assert.Equal("beta", i.TenantId));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(TenancyFixture.AdminKey, "GET", "/workflows/admin-beta", null, "alpha")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(TenancyFixture.AdminKey, "GET", "/workflows/admin-platform", null, "alpha")).StatusCode);
        Assert.DoesNotContain(await ListAsync(fixture.AlphaKey, null), i => i.InstanceId == "admin-platform");

        using var get = await SendAsync(TenancyFixture.AdminKey, "GET", "/workflows/admin-beta", null);
        Assert.Equal("beta", (await get.Content.ReadFromJsonAsync<WorkflowStateResponse>())!.TenantId);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", "/workflows/admin-beta/pause", null)).StatusCode);
        await fixture.Host.WaitForAsync("admin-beta", s => s.RuntimeStatus == WorkflowRuntimeStatus.Suspended);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", "/workflows/admin-beta/resume", null, "beta")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(TenancyFixture.AdminKey, "POST", "/workflows/admin-beta/terminate", "\"ops\"")).StatusCode);
        await fixture.Host.WaitForCompletionAsync("admin-beta");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(TenancyFixture.AdminKey, "DELETE", "/workflows/admin-beta", null)).StatusCode);
    }

    [Fact]
    public async Task Every_route_is_401_without_a_credential_and_403_for_a_key_without_the_workflows_scope()
    {
        var routes = InstanceRoutes("any-run").Append(("GET", "/workflows", null)).Append(("POST", $"/workflows/{Workflow}/start", "{}"));
        foreach (var (method, path, body) in routes)
        {
            using var anonymous = await SendAsync(null, method, path, body);
            using var lacking = await SendAsync(fixture.AlphaKeyWithoutWorkflows, method, path, body, "alpha");

            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized && await ProblemAsync(anonymous) is not null, $"{method} {path} anonymous: {anonymous.StatusCode}");
            Assert.True(lacking.StatusCode == HttpStatusCode.Forbidden && await ProblemAsync(lacking) is not null, $"{method} {path} without the scope: {lacking.StatusCode}");
        }
    }

    [Fact]
    public async Task Invalid_unicode_in_a_start_input_terminate_output_or_event_payload_is_a_400_naming_the_field_and_nothing_is_stored()
    {
        var invalidUtf8 = Encoding.UTF8.GetBytes("""{"note":"a""").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        foreach (var (body, field) in new (byte[], string)[]
        {
            (Encoding.UTF8.GetBytes("""{"note":"\ud800"}"""), "input.note"),
            (Encoding.UTF8.GetBytes("""{"note":"ok","extra":["\udfff x"]}"""), "input.extra[0]"),
            (Encoding.UTF8.GetBytes("""{"\udc00":"key"}"""), "input (a property name)"),
            (invalidUtf8, "input.note"),
        })
        {
            using var start = await SendBytesAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=utf-start", body);
            await AssertInvalidAsync(start, field);
        }

        Assert.Null(await fixture.Host.Workflows.GetAsync("utf-start"));

        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=utf-run", "{}")).StatusCode);
        await fixture.Host.WaitForAsync("utf-run", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);
        await AssertInvalidAsync(await SendAsync(fixture.AlphaKey, "POST", "/workflows/utf-run/events/approve", "\"\\ud800\""), "payload");
        await AssertInvalidAsync(await SendAsync(fixture.AlphaKey, "POST", "/workflows/utf-run/events/approve", """{"by":["x","\udbff"]}"""), "payload.by[1]");
        await AssertInvalidAsync(await SendAsync(fixture.AlphaKey, "POST", "/workflows/utf-run/terminate", "\"\\udc00 stop\""), "output");
        Assert.Equal(WorkflowRuntimeStatus.Running, (await fixture.Host.Workflows.GetAsync("utf-run"))!.RuntimeStatus);

        // A surrogate pair is valid text: the first event the run gets is this one, so none of the refused ones reached it.
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(fixture.AlphaKey, "POST", "/workflows/utf-run/events/approve", "\"\\ud83d\\ude00\"")).StatusCode);
        Assert.Equal("alpha approved by \U0001F600", (await fixture.Host.WaitForCompletionAsync("utf-run")).ReadOutputAs<string>());
    }

    [Fact]
    public async Task A_body_nested_deeper_than_an_answer_can_carry_is_a_400_and_one_at_the_limit_is_served_back()
    {
        // An object holding arrays: `depth` levels in all.
        static string Nested(int depth) => "{\"deep\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}";
        var tooDeep = Nested(WorkflowManagementApi.MaxPayloadDepth + 1);

        using (var refused = await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=deep-refused", tooDeep))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("input", (await ProblemAsync(refused))!.Value.GetProperty("field").GetString());
        }

        Assert.Null(await fixture.Host.Workflows.GetAsync("deep-refused"));

        // At the limit the run starts, and every answer that carries its input (one run, the list, the stream) writes it back.
        Assert.Equal(HttpStatusCode.Accepted,
            (await SendAsync(fixture.AlphaKey, "POST", $"/workflows/{Workflow}/start?instanceId=deep-run", Nested(WorkflowManagementApi.MaxPayloadDepth))).StatusCode);
        await fixture.Host.WaitForAsync("deep-run", s => s.RuntimeStatus == WorkflowRuntimeStatus.Running);
        using (var run = await SendAsync(fixture.AlphaKey, "GET", "/workflows/deep-run", null))
        {
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        }

        Assert.Contains(await ListAsync(fixture.AlphaKey, null), r => r.InstanceId == "deep-run");
        await AssertInvalidAsync(await SendAsync(fixture.AlphaKey, "POST", "/workflows/deep-run/events/approve", tooDeep), "payload");
        await AssertInvalidAsync(await SendAsync(fixture.AlphaKey, "POST", "/workflows/deep-run/terminate", tooDeep), "output");
        Assert.Equal(WorkflowRuntimeStatus.Running, (await fixture.Host.Workflows.GetAsync("deep-run"))!.RuntimeStatus);
        Assert.True((await SendAsync(fixture.AlphaKey, "POST", "/workflows/deep-run/terminate", "\"done\"")).IsSuccessStatusCode);
    }

    /// <summary>Every route on one instance, with a body where it takes one.</summary>
    private static IEnumerable<(string Method, string Path, string? Body)> InstanceRoutes(string instanceId) =>
    [
        ("GET", $"/workflows/{instanceId}", null),
        ("GET", $"/workflows/{instanceId}/stream", null),
        ("POST", $"/workflows/{instanceId}/pause", null),
        ("POST", $"/workflows/{instanceId}/resume", null),
        ("POST", $"/workflows/{instanceId}/terminate", "\"stop\""),
        ("POST", $"/workflows/{instanceId}/events/approve", "\"intruder\""),
        ("DELETE", $"/workflows/{instanceId}", null),
    ];

    /// <summary>A problem without its per-request trace id.</summary>
    private static string Describe(JsonElement problem) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value.GetRawText()}"));

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = (await ProblemAsync(response))!.Value;
            Assert.Equal(field, problem.GetProperty("field").GetString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), field);
        }
    }

    private async Task<IReadOnlyList<WorkflowStateResponse>> ListAsync(string key, string? tenantHeader)
    {
        using var response = await SendAsync(key, "GET", "/workflows?pageSize=500", null, tenantHeader);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<WorkflowListResponse>())!.Items;
    }

    private static async Task<JsonElement?> ProblemAsync(HttpResponseMessage response) =>
        response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? await response.Content.ReadFromJsonAsync<JsonElement>()
            : null;

    private Task<HttpResponseMessage> SendAsync(string? key, string method, string path, string? body, string? tenantHeader = null) =>
        SendBytesAsync(key, method, path, body is null ? null : Encoding.UTF8.GetBytes(body), tenantHeader);

    private async Task<HttpResponseMessage> SendBytesAsync(string? key, string method, string path, byte[]? body, string? tenantHeader = null)
    {
        using var http = fixture.Host.CreateHttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        if (key is not null)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        if (tenantHeader is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Tenant-Id", tenantHeader);
        }

        // Headers only: a stream that is let through must not hold the test open.
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            response.Dispose();
            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        return response;
    }
}
