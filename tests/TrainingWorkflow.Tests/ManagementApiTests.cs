using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;
using Platform.TrainingWorkflow.Management;

namespace Platform.TrainingWorkflow.Tests;

public sealed class ManagementApiTests : IAsyncLifetime
{
    private const string ApiKey = "test-key";
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.Configure<ApiKeyOptions>(o => o.ApiKeys.Add(ApiKey));
        builder.Services.AddSingleton<IStateStore>(new InMemoryStateStore());
        builder.Services.AddSingleton(new ActivityLog());
        builder.Services.AddWorkflowEngine(options =>
        {
            TestRegistrations.All(options);
            options.PollInterval = TimeSpan.FromMilliseconds(100);
        });
        _app = builder.Build();
        _app.MapWorkflowManagementApi();
        await _app.StartAsync();
        _http = _app.GetTestClient();
        _http.DefaultRequestHeaders.Add(ApiKeyEndpointFilter.HeaderName, ApiKey);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Requests_without_a_valid_api_key_get_401()
    {
        using var anonymous = _app.GetTestClient();
        using var wrongKey = _app.GetTestClient();
        wrongKey.DefaultRequestHeaders.Add(ApiKeyEndpointFilter.HeaderName, "nope");

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
        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/workflows/api-ctl/pause", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsync("/workflows/api-ctl/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _http.DeleteAsync("/workflows/api-ctl")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _http.PostAsJsonAsync("/workflows/api-ctl/events/approve", "bo")).StatusCode);
        var done = await WaitForStatusAsync("api-ctl", "Completed");
        Assert.Equal("approved by bo", done.GetProperty("output").GetString());

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsync("/workflows/api-ctl/terminate", null)).StatusCode);
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

        Assert.Equal(1, list.GetProperty("totalCount").GetInt32());
        Assert.Equal("list-a", list.GetProperty("items")[0].GetProperty("instanceId").GetString());
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
