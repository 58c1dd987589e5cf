using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Platform.TrainingWorkflow.Scheduling;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>The in-process cron scheduler of the embedded mode, on a database of its own (the test lists every instance).</summary>
public sealed class CronSchedulerTests(WorkflowHostFixture fixture) : IClassFixture<WorkflowHostFixture>
{
    [Fact]
    public async Task Each_occurrence_starts_one_instance_even_with_two_schedulers()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 1, 0, TimeSpan.Zero));
        var host = fixture.Host;
        var schedule = new WorkflowSchedule { Name = "nightly", Workflow = nameof(SequenceWorkflow), Cron = "*/5 * * * *", Input = """["x"]""" };
        using var schedulerA = Scheduler(host, time, schedule);
        using var schedulerB = Scheduler(host, time, schedule);
        await schedulerA.StartAsync(CancellationToken.None);
        await schedulerB.StartAsync(CancellationToken.None);

        await Task.Delay(100);
        time.Advance(TimeSpan.FromMinutes(4));
        var first = await host.WaitForCompletionAsync("nightly-20260101T120500Z");
        time.Advance(TimeSpan.FromMinutes(5));
        await host.WaitForCompletionAsync("nightly-20260101T121000Z");
        await schedulerA.StopAsync(CancellationToken.None);
        await schedulerB.StopAsync(CancellationToken.None);

        Assert.Equal("X", first.ReadOutputAs<string>());
        var all = await host.Workflows.ListAsync();
        Assert.Equal(["nightly-20260101T121000Z", "nightly-20260101T120500Z"], all.Items.Select(i => i.InstanceId));
        Assert.Equal(1, host.Log.Executions("nightly-20260101T120500Z/x"));
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

    private static WorkflowCronScheduler Scheduler(WorkflowTestHost host, TimeProvider time, WorkflowSchedule schedule) =>
        new(Options.Create(new WorkflowScheduleOptions { Schedules = [schedule] }), host.Workflows, [], time, NullLogger<WorkflowCronScheduler>.Instance);
}
