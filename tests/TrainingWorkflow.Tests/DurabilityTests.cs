using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>Crashes and several hosts on one store. A crash is simulated in-process: the runtime is cancelled mid-activity
/// without a graceful stop, its lease is left to expire, and a second runtime (a fresh service provider) takes over.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task After_a_crash_another_host_resumes_and_completed_activities_are_not_run_again()
    {
        var store = new InMemoryStateStore();
        var log = new ActivityLog { BlockForever = true };
        var hostA = await TestEngine.StartAsync(store, log, hostId: "host-a", leaseDuration: TimeSpan.FromMilliseconds(600), pollInterval: TimeSpan.FromMilliseconds(50));
        var id = await hostA.Client.ScheduleNewWorkflowAsync(nameof(ThreeStepWorkflow), "crash-1", "x");
        await log.FirstBlockingStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, log.Executions($"{id}/0"));

        hostA.Crash();
        log.BlockForever = false;
        var (lease, _) = (await store.GetAsync("workflow|lease|" + id), 0);
        Assert.Contains("host-a", System.Text.Encoding.UTF8.GetString(lease!.Value), StringComparison.Ordinal);

        await using var hostB = await TestEngine.StartAsync(store, log, hostId: "host-b", leaseDuration: TimeSpan.FromMilliseconds(600), pollInterval: TimeSpan.FromMilliseconds(50));
        var state = await hostB.WaitForCompletionAsync(id);

        Assert.Equal("ONE-unblocked-THREE", state.ReadOutputAs<string>());
        Assert.Equal(1, log.Executions($"{id}/0"));
        Assert.Equal(2, log.Executions($"blocking/{id}"));
        Assert.Equal(1, log.Executions($"{id}/2"));
        await hostA.DisposeAsync();
    }

    [Fact]
    public async Task A_host_killed_between_two_activities_loses_nothing_and_repeats_nothing()
    {
        var store = new InMemoryStateStore();
        var log = new ActivityLog();
        // Host A dies right before it would record that step 2 is scheduled: step 1's result is stored, step 2 never began.
        var dying = new CrashingStateStore(store, "\"name\":\"BlockingActivity\"");
        var hostA = await TestEngine.StartAsync(dying, log, hostId: "host-a", leaseDuration: TimeSpan.FromMilliseconds(600), pollInterval: TimeSpan.FromMilliseconds(50));
        var id = await hostA.Client.ScheduleNewWorkflowAsync(nameof(ThreeStepWorkflow), "crash-2", "x");
        await dying.Frozen.Task.WaitAsync(TimeSpan.FromSeconds(20));
        hostA.Crash();
        Assert.Equal(1, log.Executions($"{id}/0"));
        Assert.Equal(0, log.Executions($"blocking/{id}"));

        await using var hostB = await TestEngine.StartAsync(store, log, hostId: "host-b", leaseDuration: TimeSpan.FromMilliseconds(600), pollInterval: TimeSpan.FromMilliseconds(50));
        var state = await hostB.WaitForCompletionAsync(id);

        Assert.Equal("ONE-unblocked-THREE", state.ReadOutputAs<string>());
        Assert.Equal(1, log.Executions($"{id}/0"));
        Assert.Equal(1, log.Executions($"blocking/{id}"));
        Assert.Equal(1, log.Executions($"{id}/2"));
        await hostA.DisposeAsync();
    }

    [Fact]
    public async Task Two_hosts_on_one_store_never_run_an_activity_twice()
    {
        var store = new InMemoryStateStore();
        var log = new ActivityLog();
        await using var hostA = await TestEngine.StartAsync(store, log, hostId: "host-a", pollInterval: TimeSpan.FromMilliseconds(20));
        await using var hostB = await TestEngine.StartAsync(store, log, hostId: "host-b", pollInterval: TimeSpan.FromMilliseconds(20));

        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var client = i % 2 == 0 ? hostA.Client : hostB.Client;
            ids.Add(await client.ScheduleNewWorkflowAsync(nameof(SequenceWorkflow), $"pair-{i}", new[] { "a", "b", "c" }));
        }

        foreach (var id in ids)
        {
            Assert.Equal("A,B,C", (await hostA.WaitForCompletionAsync(id)).ReadOutputAs<string>());
        }

        Assert.Equal(36, log.AllExecutions.Count);
        Assert.All(log.AllExecutions.Values, count => Assert.Equal(1, count));
        Assert.Equal(1, log.MaxConcurrentPerKey);
    }

    [Fact]
    public async Task A_lease_is_exclusive_until_it_expires_and_a_stolen_lease_cannot_be_renewed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new WorkflowInstanceStore(new InMemoryStateStore(), time);
        await store.CreateAsync(new WorkflowInstanceRecord { InstanceId = "leased", Name = "W", CreationNonce = "n" });
        var duration = TimeSpan.FromSeconds(30);

        var a = await store.TryAcquireLeaseAsync("leased", "host-a", duration);
        var bWhileHeld = await store.TryAcquireLeaseAsync("leased", "host-b", duration);
        var aRenewed = await store.RenewLeaseAsync("leased", "host-a", a!, duration);
        time.Advance(TimeSpan.FromSeconds(31));
        var bAfterExpiry = await store.TryAcquireLeaseAsync("leased", "host-b", duration);
        var aLate = await store.RenewLeaseAsync("leased", "host-a", aRenewed!, duration);

        Assert.NotNull(a);
        Assert.Null(bWhileHeld);
        Assert.NotNull(bAfterExpiry);
        Assert.Null(aLate);
        Assert.Null(await store.TryAcquireLeaseAsync("leased", "host-a", duration));
    }
}
