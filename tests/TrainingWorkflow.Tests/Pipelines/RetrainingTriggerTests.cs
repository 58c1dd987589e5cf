using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.Messaging;
using Platform.Testing;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.TrainingWorkflow.Scheduling;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>
/// Every retraining trigger (schedule, cron binding, event, API, bootstrap) goes through <see cref="RetrainingTrigger"/> and
/// names its instance <c>retrain-{tenant}-{window}</c>; a second trigger for the same window finds the first one's instance.
/// The tenant has no data, so each run stops at its data checks within a second or two.
/// </summary>
public sealed class RetrainingTriggerTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private const string Tenant = "quiet";

    [Fact]
    public async Task Schedule_cron_binding_event_api_and_bootstrap_share_one_instance_id_scheme_and_repeat_idempotently()
    {
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_triggers", new Dictionary<string, string?>
        {
            ["Platform:Pipelines:Tenants:0"] = Tenant,
        });
        var trigger = host.Services.GetRequiredService<RetrainingTrigger>();

        // Schedule: the default weekly schedule on two in-process schedulers (two hosts) starts one instance per occurrence.
        var monday = new DateTimeOffset(2026, 1, 5, 3, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(monday - TimeSpan.FromMinutes(1));
        var schedules = new WorkflowScheduleOptions();
        TrainingPipelinesServiceCollectionExtensions.AddDefaultSchedules(schedules, new TrainingPipelineOptions { Tenants = [Tenant] });
        using var schedulerA = Scheduler(host, schedules, time);
        using var schedulerB = Scheduler(host, schedules, time);
        await schedulerA.StartAsync(CancellationToken.None);
        await schedulerB.StartAsync(CancellationToken.None);
        await Task.Delay(100);
        time.Advance(TimeSpan.FromMinutes(1));
        var scheduledId = RetrainingInstanceId.For(Tenant, RetrainingInstanceId.MinuteWindow(monday));
        Assert.Equal("retrain-quiet-20260105T0300Z", scheduledId);
        var scheduled = await WaitUntilStartedAsync(host, scheduledId);
        await schedulerA.StopAsync(CancellationToken.None);
        await schedulerB.StopAsync(CancellationToken.None);
        Assert.Equal("weekly schedule", scheduled.ReadInputAs<PlatformRetrainingInput>()!.Reason);

        // Cron binding (Dapr): a tick in the same minute is the same window, so it finds the scheduled instance.
        var tick = Assert.Single(await trigger.StartScheduledAsync(monday.AddSeconds(20), "cron binding", CancellationToken.None));
        Assert.Equal((scheduledId, false), tick);

        // Event: the window is the event id; a redelivery starts nothing new.
        await host.Bus.PublishAsync(Topics.TrainingRequested, new TrainingRequest(Tenant, "drift alert"), eventId: "evt-quiet");
        await host.Bus.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        var eventId = RetrainingInstanceId.For(Tenant, RetrainingInstanceId.EventWindow("evt-quiet"));
        await host.WaitAsync(eventId);
        Assert.Equal((eventId, false), await trigger.StartForEventAsync(Tenant, "evt-quiet", null, CancellationToken.None));

        // API: without an instance id the start goes through the trigger, windowed by the minute it arrives.
        using var http = host.CreateHttpClient();
        var (apiId, repeat) = await StartTwiceInOneMinuteAsync(http);
        Assert.StartsWith("retrain-quiet-", apiId.InstanceId, StringComparison.Ordinal);
        Assert.True(apiId.Created);
        Assert.Equal(new WorkflowStartResponse(apiId.InstanceId, false), repeat);
        Assert.Equal("management API", (await host.WaitAsync(apiId.InstanceId)).ReadInputAs<PlatformRetrainingInput>()!.Reason);

        // Bootstrap: one first training per tenant.
        var bootstrap = await trigger.StartBootstrapAsync(Tenant, "first start", CancellationToken.None);
        Assert.Equal(("retrain-quiet-bootstrap", true), bootstrap);
        Assert.Equal(("retrain-quiet-bootstrap", false), await trigger.StartBootstrapAsync(Tenant, "first start", CancellationToken.None));
        await host.WaitAsync(bootstrap.InstanceId);

        var all = await host.Workflows.ListAsync(PlatformRetrainingWorkflow.Name);
        Assert.Equal(
            new[] { scheduledId, eventId, apiId.InstanceId, bootstrap.InstanceId }.Order(StringComparer.Ordinal),
            all.Items.Select(i => i.InstanceId).Order(StringComparer.Ordinal));

        // Whatever started them, the runs and their child runs belong to the tenant they train, and to no other.
        Assert.All(all.Items, i => Assert.Equal(Tenant, i.TenantId));
        var everything = await host.Workflows.ListAsync(pageSize: 500);
        Assert.Contains(everything.Items, i => i.Name == PriceModelTrainingWorkflow.Name);
        Assert.Equal(everything.TotalCount, (await host.Workflows.ListAsync(null, null, 1, 500, WorkflowAccess.Tenant(Tenant))).TotalCount);
        Assert.Equal(0, (await host.Workflows.ListAsync(null, null, 1, 500, WorkflowAccess.Tenant("loud"))).TotalCount);
    }

    [Fact]
    public async Task An_api_start_without_a_tenant_is_refused_naming_the_field()
    {
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_trigger_input");
        using var http = host.CreateHttpClient();

        var missing = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { reason = "no tenant" });
        var invalid = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { tenantId = "not a tenant!" });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("tenantId", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await host.Workflows.ListAsync(PlatformRetrainingWorkflow.Name)).TotalCount);
    }

    [Fact]
    public void Instance_ids_stay_valid_for_the_longest_tenant_ids()
    {
        var tenant = new string('t', 64);
        var windows = new[] { RetrainingInstanceId.MinuteWindow(DateTimeOffset.UnixEpoch), RetrainingInstanceId.EventWindow("e"), RetrainingInstanceId.BootstrapWindow,
            RetrainingInstanceId.RebootstrapWindow(DateTimeOffset.UnixEpoch) };

        foreach (var window in windows)
        {
            var id = RetrainingInstanceId.For(tenant, window);
            Assert.Null(WorkflowInstanceId.Validate(id));
            Assert.EndsWith("-" + window, id, StringComparison.Ordinal);
            Assert.NotEqual(id, RetrainingInstanceId.For(new string('u', 64), window));
        }
    }

    /// <summary>Two API starts inside one minute: waits out the last seconds of a minute so both fall into the same window.</summary>
    private static async Task<(WorkflowStartResponse First, WorkflowStartResponse Second)> StartTwiceInOneMinuteAsync(HttpClient http)
    {
        while (DateTimeOffset.UtcNow.Second >= 50)
        {
            await Task.Delay(500);
        }

        var window = RetrainingInstanceId.MinuteWindow(DateTimeOffset.UtcNow);
        var first = await StartAsync(http);
        var second = await StartAsync(http);
        Assert.Equal(RetrainingInstanceId.For(Tenant, window), first.InstanceId);
        return (first, second);
    }

    private static async Task<WorkflowStartResponse> StartAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/workflows/PlatformRetraining/start", new { tenantId = Tenant });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<WorkflowStartResponse>())!;
    }

    /// <summary>The scheduler starts the occurrence on its own thread once the fake clock passes it.</summary>
    private static async Task<WorkflowInstanceView> WaitUntilStartedAsync(PipelineHost host, string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await host.Workflows.GetAsync(instanceId, includePayloads: false, timeout.Token) is null)
        {
            await Task.Delay(100, timeout.Token);
        }

        return await host.WaitAsync(instanceId);
    }

    private static WorkflowCronScheduler Scheduler(PipelineHost host, WorkflowScheduleOptions schedules, TimeProvider time) =>
        new(Options.Create(schedules), host.Workflows, host.Services.GetServices<IWorkflowTrigger>(), time, NullLogger<WorkflowCronScheduler>.Instance);
}
