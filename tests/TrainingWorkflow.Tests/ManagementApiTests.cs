using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.BuildingBlocks.Auth;
using Platform.TrainingWorkflow.Management;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>The management API on the real SDK client and the embedded sidecar: routes, JSON shapes and problem details.</summary>
public sealed class ManagementApiTests(ManagementApiTests.ApiFixture fixture) : IClassFixture<ManagementApiTests.ApiFixture>
{
    private const string ApiKey = "test-key";
    private readonly HttpClient _http = fixture.Http;

    public sealed class ApiFixture() : ManagementApiFixture(ApiKey);

    [Theory]
    [InlineData("/workflows/{name}/start", "post", new[] { "200", "202", "400", "401", "403", "404", "409", "413", "422" })]
    [InlineData("/workflows/{instanceId}", "get", new[] { "200", "400", "401", "403", "404" })]
    [InlineData("/workflows/{instanceId}/pause", "post", new[] { "202", "400", "401", "403", "404", "409" })]
    [InlineData("/workflows/{instanceId}", "delete", new[] { "204", "400", "401", "403", "404", "409" })]
    public async Task The_openapi_document_states_every_response_of_a_route(string path, string method, string[] statuses)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json"));

        var responses = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
        Assert.Equal(statuses, responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var problem in statuses.Where(s => s[0] is '4' or '5'))
        {
            Assert.True(responses.GetProperty(problem).GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path} {problem}");
        }
    }

    [Fact]
    public async Task Requests_without_a_valid_api_key_get_401()
    {
        using var anonymous = fixture.Host.CreateHttpClient();
        using var wrongKey = fixture.Host.CreateHttpClient();
        wrongKey.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, "nope");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/workflows")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.PostAsync("/workflows/SequenceWorkflow/start", null)).StatusCode);
    }

    [Theory]
    [InlineData("/workflows/SequenceWorkflow/start?instanceId=bad%20id", "instanceId")]
    [InlineData("/workflows/SequenceWorkflow/start?instanceId=" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "instanceId")]
    [InlineData("/workflows/bad.id/pause", "instanceId")]
    [InlineData("/workflows/x/events/bad.name", "eventName")]
    public async Task Invalid_ids_get_400_problem_details_naming_the_field(string url, string field)
    {
        var response = await _http.PostAsJsonAsync(url, new[] { "a" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Malformed_or_unfit_input_and_unknown_workflows_get_problem_details_and_nothing_is_stored()
    {
        using var malformed = new StringContent("{\"tenantId\": ", System.Text.Encoding.UTF8, "application/json");
        var badJson = await _http.PostAsync("/workflows/SequenceWorkflow/start?instanceId=bad-json", malformed);
        var unfit = await _http.PostAsJsonAsync("/workflows/TimerWorkflow/start?instanceId=bad-input", "sixty");
        var unknown = await _http.PostAsJsonAsync("/workflows/Nope/start?instanceId=bad-name", 1);
        using var malformedEvent = new StringContent("not json", System.Text.Encoding.UTF8, "application/json");
        var badEvent = await _http.PostAsync("/workflows/bad-json/events/approve", malformedEvent);

        foreach (var (response, field) in new[] { (badJson, "input"), (unfit, "input"), (badEvent, "payload") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), field);
        }

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("name", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        var huge = await _http.PostAsJsonAsync("/workflows/SequenceWorkflow/start?instanceId=bad-size", new[] { new string('x', 70_000) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Contains("artifact", (await huge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        foreach (var id in new[] { "bad-json", "bad-input", "bad-name", "bad-size" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/workflows/{id}")).StatusCode);
        }
    }

    [Theory]
    [InlineData("SequenceWorkflow", "")]
    [InlineData("SequenceWorkflow", "null")]
    [InlineData("TimerWorkflow", "")]
    [InlineData("ThreeStepWorkflow", " null ")]
    public async Task A_workflow_that_needs_an_input_started_with_none_is_422_at_start_and_nothing_is_stored(string name, string body)
    {
        var instanceId = $"no-input-{name}-{body.Trim().Length}";
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await _http.PostAsync($"/workflows/{name}/start?instanceId={instanceId}", content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("input", problem.GetProperty("field").GetString());
        Assert.Contains(name, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/workflows/{instanceId}")).StatusCode);
    }

    [Fact]
    public async Task Start_is_idempotent_and_get_shows_status_output_and_steps()
    {
        var first = await _http.PostAsJsonAsync("/workflows/SequenceWorkflow/start?instanceId=api-1", new[] { "a", "b" });
        var again = await _http.PostAsJsonAsync("/workflows/SequenceWorkflow/start?instanceId=api-1", new[] { "a", "b" });
        var unknown = await _http.PostAsJsonAsync("/workflows/Nope/start?instanceId=api-2", 1);
        var conflict = await _http.PostAsJsonAsync("/workflows/TimerWorkflow/start?instanceId=api-1", 1);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("/workflows/api-1", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False((await again.Content.ReadFromJsonAsync<WorkflowStartResponse>())!.Created);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var state = await WaitForStatusAsync("api-1", "Completed");
        Assert.Equal("A,B", state.GetProperty("output").GetString());
        Assert.Equal("b", state.GetProperty("input")[1].GetString());
        Assert.Equal(2, state.GetProperty("steps").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/workflows/missing")).StatusCode);
    }

    [Fact]
    public async Task Pause_resume_event_terminate_and_purge_map_to_status_codes()
    {
        await _http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=api-ctl", 60);
        await WaitForStatusAsync("api-ctl", "Running");

        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsync("/workflows/api-ctl/pause", null)).StatusCode);
        await WaitForStatusAsync("api-ctl", "Suspended");
        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/workflows/api-ctl/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsync("/workflows/api-ctl/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.DeleteAsync("/workflows/api-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/workflows/api-ctl/events/approve", "bo")).StatusCode);
        var done = await WaitForStatusAsync("api-ctl", "Completed");
        Assert.Equal("approved by bo", done.GetProperty("output").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/workflows/api-ctl/terminate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsJsonAsync("/workflows/api-ctl/events/approve", "late")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync("/workflows/api-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.DeleteAsync("/workflows/api-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsync("/workflows/api-ctl/pause", null)).StatusCode);

        await _http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=api-term", 60);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/workflows/api-term/terminate", "why")).StatusCode);
        Assert.Equal("why", (await WaitForStatusAsync("api-term", "Terminated")).GetProperty("output").GetString());
    }

    [Fact]
    public async Task List_filters_and_rejects_unknown_status()
    {
        await _http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=list-a", 60);
        await _http.PostAsJsonAsync("/workflows/SequenceWorkflow/start?instanceId=list-b", new[] { "a" });
        await WaitForStatusAsync("list-b", "Completed");
        await WaitForStatusAsync("list-a", "Running");

        var list = await _http.GetFromJsonAsync<JsonElement>("/workflows?name=ApprovalWorkflow&status=running&pageSize=10");
        var bad = await _http.GetAsync("/workflows?status=Sleeping");

        // Other tests of this class share the database; whatever else is listed must match the filter too.
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, i => i.GetProperty("instanceId").GetString() == "list-a");
        Assert.All(items, i => Assert.Equal(("ApprovalWorkflow", "Running"), (i.GetProperty("name").GetString(), i.GetProperty("runtimeStatus").GetString())));
        Assert.Equal(items.Count, list.GetProperty("totalCount").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("status", out _));
    }

    [Fact]
    public async Task Stream_sends_status_events_until_the_instance_ends()
    {
        await _http.PostAsJsonAsync("/workflows/ApprovalWorkflow/start?instanceId=api-sse", 60);
        await WaitForStatusAsync("api-sse", "Running");
        using var response = await _http.GetAsync("/workflows/api-sse/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        await _http.PostAsJsonAsync("/workflows/api-sse/events/approve", "cy");
        var body = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("event: status", body, StringComparison.Ordinal);
        Assert.Contains("\"runtimeStatus\":\"Running\"", body, StringComparison.Ordinal);
        Assert.Contains("\"runtimeStatus\":\"Completed\"", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/workflows/nobody/stream")).StatusCode);
    }

    private async Task<JsonElement> WaitForStatusAsync(string instanceId, string status)
    {
        for (var i = 0; i < 1000; i++)
        {
            var response = await _http.GetAsync($"/workflows/{instanceId}");
            if (response.IsSuccessStatusCode)
            {
                var state = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (state.GetProperty("runtimeStatus").GetString() == status)
                {
                    return state;
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{instanceId} never reached {status}.");
    }
}
