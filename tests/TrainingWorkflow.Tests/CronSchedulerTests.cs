using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

public sealed class CronSchedulerTests
{
    [Fact]
    public async Task Each_occurrence_starts_one_instance_even_with_two_schedulers()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 1, 0, TimeSpan.Zero));
        var store = new InMemoryStateStore();
        var log = new ActivityLog();
        await using var hostA = await TestEngine.StartAsync(store, log, time, "host-a");
        await using var hostB = await TestEngine.StartAsync(store, log, time, "host-b");
        var schedule = new WorkflowSchedule { Name = "nightly", Workflow = nameof(SequenceWorkflow), Cron = "*/5 * * * *", Input = """["x"]""" };
        using var schedulerA = Scheduler(hostA, time, schedule);
        using var schedulerB = Scheduler(hostB, time, schedule);
        await schedulerA.StartAsync(CancellationToken.None);
        await schedulerB.StartAsync(CancellationToken.None);

        await Task.Delay(100);
        time.Advance(TimeSpan.FromMinutes(4));
        var first = await hostA.WaitForCompletionAsync("nightly-20260101T120500Z");
        time.Advance(TimeSpan.FromMinutes(5));
        await hostA.WaitForCompletionAsync("nightly-20260101T121000Z");
        await schedulerA.StopAsync(CancellationToken.None);
        await schedulerB.StopAsync(CancellationToken.None);

        Assert.Equal("X", first.ReadOutputAs<string>());
        Assert.Equal(["nightly-20260101T120500Z", "nightly-20260101T121000Z"], await hostA.Store.ListInstanceIdsAsync());
    }

    [Theory]
    [InlineData("bad name", "*/5 * * * *", "UTC", "'Name'")]
    [InlineData("ok", "every five minutes", "UTC", "'Cron'")]
    [InlineData("ok", "*/5 * * * *", "Mars/Olympus", "'TimeZone'")]
    public void Invalid_schedules_name_the_field(string name, string cron, string zone, string field)
    {
        var schedule = new WorkflowSchedule { Name = name, Workflow = "W", Cron = cron, TimeZone = zone };

        var error = Assert.Throws<InvalidOperationException>(() => WorkflowCronScheduler.Validate([schedule]));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    private static WorkflowCronScheduler Scheduler(TestEngine host, TimeProvider time, WorkflowSchedule schedule) =>
        new(Options.Create(new WorkflowScheduleOptions { Schedules = [schedule] }), host.Client, time, NullLogger<WorkflowCronScheduler>.Instance);
}
