using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.EmbeddedWorkflowSidecar;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// One host as the platform composes it: the embedded workflow sidecar on the test's PostgreSQL database, the real Dapr
/// Workflow worker and client pointed at it, and the test workflows. The app itself runs on a TestServer (for the
/// management API); the sidecar listens on its own loopback port, as in production.
/// </summary>
public sealed class WorkflowTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkflowTestHost(WebApplication app, ActivityLog log)
    {
        _app = app;
        Log = log;
    }

    public ActivityLog Log { get; }

    public WorkflowManagement Workflows => _app.Services.GetRequiredService<WorkflowManagement>();

    public IServiceProvider Services => _app.Services;

    /// <summary>A client of the app's TestServer (no API key: add one where the API needs it).</summary>
    public HttpClient CreateHttpClient() => _app.GetTestClient();

    public static async Task<WorkflowTestHost> StartAsync(
        NpgsqlDataSource dataSource, ActivityLog? log = null, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        log ??= new ActivityLog();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddAuditLog();
        builder.Services.AddSingleton(log);
        configure?.Invoke(builder);
        builder.AddEmbeddedWorkflowSidecar();
        builder.Services.AddPlatformWorkflows(TestRegistrations.All);
        var app = builder.Build();
        map?.Invoke(app);
        await app.StartAsync();
        return new WorkflowTestHost(app, log);
    }

    public async Task<WorkflowInstanceView> WaitForAsync(string instanceId, Func<WorkflowInstanceView, bool> condition, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        WorkflowInstanceView? last = null;
        while (!cancel.IsCancellationRequested)
        {
            last = await Workflows.GetAsync(instanceId, includePayloads: true, CancellationToken.None);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(20, CancellationToken.None);
        }

        throw new TimeoutException($"Instance {instanceId} did not reach the expected state; last: {last?.RuntimeStatus} {last?.FailureDetails?.ErrorMessage}");
    }

    public Task<WorkflowInstanceView> WaitForCompletionAsync(string instanceId, TimeSpan? timeout = null) =>
        WaitForAsync(instanceId, s => s.IsCompleted, timeout);

    public async ValueTask DisposeAsync()
    {
        await Log.Stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
