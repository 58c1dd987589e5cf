using System.Diagnostics.Metrics;
using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

/// <summary>What only the embedded backend can be asked: several sidecars on one database, restarts, bad input, retention.</summary>
public sealed class EmbeddedSidecarTests(SidecarDatabase database) : IClassFixture<SidecarDatabase>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static WorkflowSidecarOptions Options(string? address = null) => new() { Address = address, LeaseDuration = TimeSpan.FromSeconds(3) };

    private static async Task<Dapr.Workflow.WorkflowState> CompletionAsync(DaprWorkflowClient client, string instanceId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await client.WaitForWorkflowCompletionAsync(instanceId, cancellation: timeout.Token);
    }

    private static TaskHubSidecarService.TaskHubSidecarServiceClient RawClient(string endpoint, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(endpoint);
        return new TaskHubSidecarService.TaskHubSidecarServiceClient(channel);
    }

    [Fact]
    public async Task A_child_started_under_an_instance_id_in_use_fails_in_its_parent_and_leaves_the_other_instance_alone()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        await using var app = await WorkflowAppHost.StartAsync(server.Endpoint);
        var taken = await app.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), $"taken-{Guid.NewGuid():N}", new ChainInput(0, 2));
        Assert.Equal(2, (await CompletionAsync(app.Client, taken)).ReadOutputAs<int>());

        var parent = await app.Client.ScheduleNewWorkflowAsync(nameof(TakenChildIdWorkflow), $"taker-{Guid.NewGuid():N}", taken);
        var state = await CompletionAsync(app.Client, parent);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"InstanceAlreadyExists: A workflow instance with id '{taken}' already exists.", state.ReadOutputAs<string>());
        Assert.Equal(2, (await app.Client.GetWorkflowStateAsync(taken))!.ReadOutputAs<int>());
    }

    [Fact]
    public async Task Two_sidecars_on_one_database_share_the_work_and_run_no_activity_twice()
    {
        await using var first = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        await using var second = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        var firstProbe = new ActivityProbe();
        var secondProbe = new ActivityProbe();
        await using var firstApp = await WorkflowAppHost.StartAsync(first.Endpoint, probe: firstProbe);
        await using var secondApp = await WorkflowAppHost.StartAsync(second.Endpoint, probe: secondProbe);
        using (var connecting = new CancellationTokenSource(Patience))
        {
            // Both workers streaming before any work exists, so neither sidecar is the only one able to take it.
            await Task.WhenAll(first.WaitForWorkersAsync(1, connecting.Token), second.WaitForWorkersAsync(1, connecting.Token));
        }

        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var client = i % 2 == 0 ? firstApp.Client : secondApp.Client;
            ids.Add(await client.ScheduleNewWorkflowAsync(nameof(ShareWorkflow), $"share-{i}-{Guid.NewGuid():N}", 10));
        }

        foreach (var id in ids)
        {
            Assert.Equal(WorkflowRuntimeStatus.Completed, (await CompletionAsync(firstApp.Client, id)).RuntimeStatus);
        }

        var keys = ids.SelectMany(id => Enumerable.Range(0, 5).Select(step => $"{id}/{step}")).ToList();
        foreach (var key in keys)
        {
            var runs = firstProbe.Executions.GetValueOrDefault(key) + secondProbe.Executions.GetValueOrDefault(key);
            Assert.True(runs == 1, $"activity {key} ran {runs} times");
        }

        Assert.NotEmpty(firstProbe.Executions);
        Assert.NotEmpty(secondProbe.Executions);
    }

    [Fact]
    public async Task The_sidecar_counts_its_connected_workers_and_wakes_a_waiter_when_one_connects()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        Assert.Equal(0, server.ConnectedWorkers);
        using var connecting = new CancellationTokenSource(Patience);
        var one = server.WaitForWorkersAsync(1, connecting.Token);
        var two = server.WaitForWorkersAsync(2, connecting.Token);
        Assert.False(one.IsCompleted);

        await using (var app = await WorkflowAppHost.StartAsync(server.Endpoint))
        {
            await one;
            Assert.Equal(1, server.ConnectedWorkers);
            Assert.False(two.IsCompleted);
            await using var other = await WorkflowAppHost.StartAsync(server.Endpoint);
            await two;
            Assert.Equal(2, server.ConnectedWorkers);
        }

        // Stopped workers close their streams; the count follows.
        var deadline = DateTime.UtcNow + Patience;
        while (server.ConnectedWorkers != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{server.ConnectedWorkers} workers still counted after both stopped");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_sidecar_whose_own_heartbeat_is_late_does_not_take_its_own_running_activities_again()
    {
        // A short lease makes the dispatcher sweep for expired leases every half second while each activity runs.
        var options = new WorkflowSidecarOptions { LeaseDuration = TimeSpan.FromSeconds(1) };
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, options);
        var probe = new ActivityProbe();
        await using var app = await WorkflowAppHost.StartAsync(server.Endpoint, probe: probe);
        var id = await app.Client.ScheduleNewWorkflowAsync(nameof(ShareWorkflow), $"late-heartbeat-{Guid.NewGuid():N}", 800);

        // Keep this sidecar's own heartbeat stale, as a CPU-starved heartbeat loop would leave it.
        using var stop = new CancellationTokenSource();
        var staleness = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var command = database.DataSource.CreateCommand(
                    "UPDATE workflow_sidecar.sidecars SET heartbeat_at = now() - interval '10 seconds' WHERE id = $1");
                command.Parameters.Add(new() { Value = server.SidecarId });
                await command.ExecuteNonQueryAsync();
                await Task.Delay(20);
            }
        });
        var state = await CompletionAsync(app.Client, id);
        await stop.CancelAsync();
        await staleness;

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        for (var step = 0; step < 5; step++)
        {
            var runs = probe.Executions.GetValueOrDefault($"{id}/{step}");
            Assert.True(runs == 1, $"activity {id}/{step} ran {runs} times");
        }
    }

    [Fact]
    public async Task Durable_timer_fires_after_the_sidecar_restarts()
    {
        var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        var endpoint = server.Endpoint;
        await using var app = await WorkflowAppHost.StartAsync(endpoint);
        var id = await app.Client.ScheduleNewWorkflowAsync(nameof(TimerWorkflow), $"restart-{Guid.NewGuid():N}", 1500);
        await app.Client.WaitForWorkflowStartAsync(id);
        await Task.Delay(200);

        await server.DisposeAsync();
        await using var restarted = await WorkflowSidecarServer.StartAsync(database.DataSource, Options(endpoint));
        var state = await CompletionAsync(app.Client, id);

        Assert.Equal(WorkflowRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.True(state.ReadOutputAs<double>() >= 1400);
    }

    [Fact]
    public async Task Workflows_and_activities_are_routed_to_the_worker_that_registered_them()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        await using var chainApp = await WorkflowAppHost.StartAsync(server.Endpoint, o =>
        {
            o.RegisterWorkflow<ChainWorkflow>();
            o.RegisterActivity<AddOneActivity>();
        });
        await using var fanApp = await WorkflowAppHost.StartAsync(server.Endpoint, o =>
        {
            o.RegisterWorkflow<FanOutWorkflow>();
            o.RegisterActivity<SquareActivity>();
        });

        var fan = await chainApp.Client.ScheduleNewWorkflowAsync(nameof(FanOutWorkflow), $"route-fan-{Guid.NewGuid():N}", 10);
        var chain = await fanApp.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), $"route-chain-{Guid.NewGuid():N}", new ChainInput(0, 4));
        var unknown = await fanApp.Client.ScheduleNewWorkflowAsync("NoSuchWorkflow", $"route-none-{Guid.NewGuid():N}", 1);

        Assert.Equal(385, (await CompletionAsync(chainApp.Client, fan)).ReadOutputAs<long>());
        Assert.Equal(4, (await CompletionAsync(chainApp.Client, chain)).ReadOutputAs<int>());
        var failed = await CompletionAsync(chainApp.Client, unknown);
        Assert.Equal(WorkflowRuntimeStatus.Failed, failed.RuntimeStatus);
        Assert.Equal("WorkflowNotFound", failed.FailureDetails?.ErrorType);
    }

    [Fact]
    public async Task Bad_requests_get_the_right_status_code_and_store_nothing()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        var client = RawClient(server.Endpoint, out var channel);
        using var _ = channel;
        var before = await InstanceCountAsync();

        await AssertStatusAsync(StatusCode.InvalidArgument, client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = new string('a', 300), Name = "W" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "bad id/../x", Name = "W" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "ok-id", Name = "" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "ok-id", Name = "W", Input = "{not json" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.NotFound, client.RaiseEventAsync(new RaiseEventRequest { InstanceId = "missing", Name = "e" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.InvalidArgument, client.GetInstanceAsync(new GetInstanceRequest { InstanceId = "semi;colon" }).ResponseAsync);
        Assert.Equal(before, await InstanceCountAsync());

        // A finished instance: events and suspends are refused, the purge of a running one too.
        var done = "finished-" + Guid.NewGuid().ToString("N");
        var running = "running-" + Guid.NewGuid().ToString("N");
        await client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = done, Name = "W" });
        await client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = running, Name = "W" });
        await client.TerminateInstanceAsync(new TerminateRequest { InstanceId = done });
        await WaitForStatusAsync(client, done, OrchestrationStatus.Terminated);

        await AssertStatusAsync(StatusCode.FailedPrecondition, client.RaiseEventAsync(new RaiseEventRequest { InstanceId = done, Name = "e", Input = "1" }).ResponseAsync);
        await AssertStatusAsync(StatusCode.FailedPrecondition, client.SuspendInstanceAsync(new SuspendRequest { InstanceId = done }).ResponseAsync);
        await AssertStatusAsync(StatusCode.FailedPrecondition, client.PurgeInstancesAsync(new PurgeInstancesRequest { InstanceId = running }).ResponseAsync);
        Assert.True((await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = running })).Exists);
        await AssertStatusAsync(StatusCode.AlreadyExists, client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = running, Name = "Other" }).ResponseAsync);
        Assert.Equal(1, (await client.PurgeInstancesAsync(new PurgeInstancesRequest { InstanceId = done })).DeletedInstanceCount);
    }

    [Fact]
    public async Task A_malformed_completion_is_refused_and_the_turn_is_offered_again_intact()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        var client = RawClient(server.Endpoint, out var channel);
        using var _ = channel;
        var id = "raw-" + Guid.NewGuid().ToString("N");
        await client.StartInstanceAsync(new CreateInstanceRequest { InstanceId = id, Name = "RawWorkflow", Input = "\"in\"" });
        using var stream = client.GetWorkItems(new GetWorkItemsRequest());
        using var timeout = new CancellationTokenSource(Patience);

        Assert.True(await stream.ResponseStream.MoveNext(timeout.Token));
        var first = stream.ResponseStream.Current;
        Assert.Equal(id, first.WorkflowRequest.InstanceId);
        var malformed = new WorkflowResponse { InstanceId = id, CompletionToken = first.CompletionToken };
        malformed.Actions.Add(new WorkflowAction { Id = 0 });
        malformed.Actions.Add(new WorkflowAction { Id = 1, ScheduleTask = new ScheduleTaskAction { Name = "" } });
        await AssertStatusAsync(StatusCode.InvalidArgument, client.CompleteWorkflowTaskAsync(malformed).ResponseAsync);

        // A completion with an unknown token (stale) is dropped without effect.
        var stale = new WorkflowResponse { InstanceId = id, CompletionToken = "no-such-token" };
        stale.Actions.Add(new WorkflowAction { CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Completed, Result = "\"stale\"" } });
        await client.CompleteWorkflowTaskAsync(stale);
        Assert.Empty((await client.GetInstanceHistoryAsync(new GetInstanceHistoryRequest { InstanceId = id })).Events);

        Assert.True(await stream.ResponseStream.MoveNext(timeout.Token));
        var again = stream.ResponseStream.Current;
        Assert.Equal(id, again.WorkflowRequest.InstanceId);
        Assert.Empty(again.WorkflowRequest.PastEvents);
        Assert.Contains(again.WorkflowRequest.NewEvents, e => e.ExecutionStarted?.Input == "\"in\"");
        var good = new WorkflowResponse { InstanceId = id, CompletionToken = again.CompletionToken };
        good.Actions.Add(new WorkflowAction { CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Completed, Result = "\"out\"" } });
        await client.CompleteWorkflowTaskAsync(good);

        var state = await WaitForStatusAsync(client, id, OrchestrationStatus.Completed);
        Assert.Equal("\"out\"", state.Output);
    }

    [Fact]
    public async Task Calls_without_the_configured_api_token_are_refused()
    {
        var options = Options();
        options.ApiToken = "s3cret";
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, options);
        var client = RawClient(server.Endpoint, out var channel);
        using var _ = channel;

        await AssertStatusAsync(StatusCode.Unauthenticated, client.HelloAsync(new Empty()).ResponseAsync);
        await using var app = await WorkflowAppHost.StartAsync(server.Endpoint, configuration: new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = "s3cret" });
        var id = await app.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), $"token-{Guid.NewGuid():N}", new ChainInput(0, 2));
        Assert.Equal(2, (await CompletionAsync(app.Client, id)).ReadOutputAs<int>());
    }

    [Fact]
    public async Task Retention_purges_expired_finished_instances_with_their_children_and_counts_them()
    {
        await using var server = await WorkflowSidecarServer.StartAsync(database.DataSource, Options());
        await using var app = await WorkflowAppHost.StartAsync(server.Endpoint);
        var parent = $"keep-parent-{Guid.NewGuid():N}";
        await app.Client.ScheduleNewWorkflowAsync(nameof(ParentWorkflow), parent, "x");
        var waiting = await app.Client.ScheduleNewWorkflowAsync(nameof(WaitForeverWorkflow), $"keep-running-{Guid.NewGuid():N}", "x");
        var young = await app.Client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), $"keep-young-{Guid.NewGuid():N}", new ChainInput(0, 1));
        await CompletionAsync(app.Client, parent);
        await CompletionAsync(app.Client, young);

        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Platform.EmbeddedWorkflowSidecar" && instrument.Name == "workflow_sidecar.instances.purged")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "reason" && (string?)t.Value == "retention"))
            {
                Interlocked.Add(ref counted, value);
            }
        });
        listener.Start();

        var retention = new WorkflowRetention(database.DataSource, new WorkflowSidecarOptions
        {
            RetentionDefault = TimeSpan.FromDays(1),
            RetentionPerWorkflow = { [nameof(ParentWorkflow)] = TimeSpan.FromMilliseconds(1) },
        });
        var purged = await retention.PurgeExpiredAsync(CancellationToken.None);

        Assert.Equal(3, purged);
        Assert.Equal(3, Interlocked.Read(ref counted));
        Assert.False((await app.Client.GetWorkflowStateAsync(parent)).Exists);
        Assert.False((await app.Client.GetWorkflowStateAsync($"{parent}-chain")).Exists);
        Assert.False((await app.Client.GetWorkflowStateAsync($"{parent}-failing")).Exists);
        Assert.True((await app.Client.GetWorkflowStateAsync(waiting)).Exists);
        Assert.True((await app.Client.GetWorkflowStateAsync(young)).Exists);
    }

    [Fact]
    public async Task AddEmbeddedWorkflowSidecar_serves_the_hosts_own_workflows_and_its_retention_service_purges()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:WorkflowSidecar:RetentionInterval"] = "00:00:00.200",
            ["Platform:WorkflowSidecar:RetentionPerWorkflow:ChainWorkflow"] = "00:00:00.001",
        });
        builder.Services.AddSingleton(database.DataSource);
        builder.Services.AddSingleton(new ActivityProbe());
        builder.AddEmbeddedWorkflowSidecar();
        builder.Services.AddDaprWorkflow(TestWorkflows.Register);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            Assert.StartsWith("http://127.0.0.1:", builder.Configuration[EmbeddedWorkflowSidecarExtensions.DaprGrpcEndpointKey], StringComparison.Ordinal);
            // The running sidecar is in DI, and the host's own worker connects to it.
            var server = host.Services.GetRequiredService<WorkflowSidecarServer>();
            Assert.Equal(builder.Configuration[EmbeddedWorkflowSidecarExtensions.DaprGrpcEndpointKey], server.Endpoint);
            using (var connecting = new CancellationTokenSource(Patience))
            {
                await server.WaitForWorkersAsync(1, connecting.Token);
            }

            var client = host.Services.GetRequiredService<DaprWorkflowClient>();
            var id = await client.ScheduleNewWorkflowAsync(nameof(ChainWorkflow), $"hosted-{Guid.NewGuid():N}", new ChainInput(1, 2));
            Assert.Equal(3, (await CompletionAsync(client, id)).ReadOutputAs<int>());

            var deadline = DateTime.UtcNow + Patience;
            while ((await client.GetWorkflowStateAsync(id)).Exists)
            {
                Assert.True(DateTime.UtcNow < deadline, "the retention service never purged the finished instance");
                await Task.Delay(100);
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private async Task<long> InstanceCountAsync()
    {
        await using var command = database.DataSource.CreateCommand("SELECT count(*) FROM workflow_sidecar.instances");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Dapr.DurableTask.Protobuf.WorkflowState> WaitForStatusAsync(TaskHubSidecarService.TaskHubSidecarServiceClient client, string id, OrchestrationStatus status)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = id, GetInputsAndOutputs = true });
            if (response.WorkflowState?.WorkflowStatus == status)
            {
                return response.WorkflowState;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{id} never became {status}; it is {response.WorkflowState?.WorkflowStatus}");
            await Task.Delay(50);
        }
    }

    private static async Task AssertStatusAsync<T>(StatusCode expected, Task<T> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(expected, error.StatusCode);
    }
}
