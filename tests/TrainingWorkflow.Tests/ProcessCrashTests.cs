using System.Diagnostics;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.StateStore;
using Platform.Testing;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// Crash safety with real processes, through the Dapr Workflow SDK on the embedded sidecar: a host is killed (SIGKILL) in the
/// middle of an activity or while a durable timer is pending, a restarted host on the same database finishes the instance,
/// and nothing that had completed runs again. Each test has a database of its own.
/// </summary>
public sealed class ProcessCrashTests : IAsyncLifetime
{
    private static readonly string HostAssembly = Path.Combine(AppContext.BaseDirectory, "TrainingWorkflow.CrashHost.dll");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly PostgresDatabaseFixture _database = new();
    private readonly string _artifactRoot = Path.Combine(Path.GetTempPath(), "crash-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync() => _database.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        if (Directory.Exists(_artifactRoot))
        {
            Directory.Delete(_artifactRoot, recursive: true);
        }
    }

    [Fact]
    public async Task A_host_killed_mid_activity_loses_nothing_and_completed_activities_do_not_run_again()
    {
        const string instanceId = "crash-activity";
        using (var first = StartHost("ThreeStepWorkflow", 3, instanceId))
        {
            await WaitUntilAsync(first, async () => (await ExecutionsAsync(instanceId)).Any(e => e.Step == 2));
            await KillAsync(first);
        }

        using var second = StartHost("ThreeStepWorkflow", 3, instanceId);
        await ExitsCleanlyAsync(second);

        var executions = await ExecutionsAsync(instanceId);
        var step1 = Assert.Single(executions, e => e.Step == 1);
        Assert.NotEqual(second.Id, step1.Pid);
        Assert.Equal(second.Id, executions.Last(e => e.Step == 2).Pid);
        Assert.Equal(second.Id, Assert.Single(executions, e => e.Step == 3).Pid);
    }

    [Fact]
    public async Task A_timer_pending_when_the_host_is_killed_fires_after_the_restart_and_not_before_its_time()
    {
        const string instanceId = "crash-timer";
        const int timerSeconds = 4;
        using (var first = StartHost("TimerWorkflow", timerSeconds, instanceId))
        {
            await WaitUntilAsync(first, async () => (await ExecutionsAsync(instanceId)).Any(e => e.Step == 1));
            // Killed once step 1's completion and the timer are durable (a fixed pause once fell short on a loaded machine).
            await WaitUntilAsync(first, () => TimerPendingAsync(instanceId));
            Assert.False(first.HasExited, "the first host ended before it was killed");
            await KillAsync(first);
        }

        using var second = StartHost("TimerWorkflow", timerSeconds, instanceId);
        await ExitsCleanlyAsync(second);

        var executions = await ExecutionsAsync(instanceId);
        var step1 = Assert.Single(executions, e => e.Step == 1);
        var step2 = Assert.Single(executions, e => e.Step == 2);
        Assert.NotEqual(second.Id, step1.Pid);
        Assert.Equal(second.Id, step2.Pid);
        Assert.True(step2.At - step1.At >= TimeSpan.FromSeconds(timerSeconds - 0.5), $"step 2 ran {step2.At - step1.At} after step 1");
    }

    [Fact]
    public async Task A_host_killed_after_deploying_but_before_reporting_it_does_not_deploy_a_second_version()
    {
        const string instanceId = "crash-deploy";
        await new FileSystemArtifactStore(_artifactRoot).PutAsync("staged/model.bin", new MemoryStream([1, 2, 3]), CancellationToken.None);
        using (var first = StartHost("DeployWorkflow", 0, instanceId))
        {
            await WaitUntilAsync(first, async () => (await ExecutionsAsync(instanceId)).Count > 0);
            await KillAsync(first);
        }

        using var second = StartHost("DeployWorkflow", 0, instanceId);
        await ExitsCleanlyAsync(second);

        // The deploy activity ran again on the second host (at least once) and found the version it had registered.
        var executions = await ExecutionsAsync(instanceId);
        Assert.Equal(2, executions.Count);
        Assert.Equal(second.Id, executions[1].Pid);
        Assert.Equal(executions[0].Version, executions[1].Version);
        var registry = new ModelRegistry(
            new PostgresStateStore(_database.DataSource, "crash_state"), new FileSystemArtifactStore(_artifactRoot), TimeProvider.System);
        var version = Assert.Single(await registry.ListVersionsAsync("crash-tenant", "crash-model"));
        Assert.Equal(version.Version, (await registry.ResolveAsync("crash-tenant", "crash-model", ModelRegistry.Champion))!.Version);
        // Both announcements carry one event id, so subscribers drop the repeat.
        Assert.Single((await EventIdsAsync()).Distinct());
    }

    [Fact]
    public async Task Two_hosts_on_one_database_share_the_work_and_run_no_activity_twice()
    {
        var instanceIds = Enumerable.Range(0, 6).Select(i => $"shared-{i}").ToArray();
        using var first = StartHost("FanOutWorkflow", 10, instanceIds, hosts: 2);
        using var second = StartHost("FanOutWorkflow", 10, instanceIds, hosts: 2);
        await ExitsCleanlyAsync(first);
        await ExitsCleanlyAsync(second);

        var executions = new List<Execution>();
        foreach (var id in instanceIds)
        {
            executions.AddRange(await ExecutionsAsync(id));
        }

        Assert.Equal(instanceIds.Length * 10, executions.Count);
        Assert.Equal(executions.Count, executions.Select(e => (e.InstanceId, e.Step)).Distinct().Count());
        Assert.Contains(executions, e => e.Pid == first.Id);
        Assert.Contains(executions, e => e.Pid == second.Id);
    }

    private sealed record Execution(string InstanceId, int Step, int Pid, int? Version, DateTimeOffset At);

    private Process StartHost(string workflow, int input, string instanceId) => StartHost(workflow, input, [instanceId], hosts: 1);

    /// <param name="hosts">How many hosts must have their workflow worker connected before this one starts its instances.</param>
    private Process StartHost(string workflow, int input, string[] instanceIds, int hosts)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["CRASH_HOSTS"] = hosts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var argument in new[] { HostAssembly, _database.SuperuserConnectionString, _artifactRoot, workflow, input.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            .Concat(instanceIds))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the crash host");
        // Drain the pipes so a chatty host never blocks on a full buffer; keep the text for failure messages.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task KillAsync(Process process)
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    private static async Task ExitsCleanlyAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the host did not finish within {Patience}");
        }

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await errors}");
    }

    private async Task<List<Execution>> ExecutionsAsync(string instanceId)
    {
        var executions = new List<Execution>();
        await using var command = _database.DataSource.CreateCommand(
            "SELECT instance_id, step, pid, version, at FROM crash_executions WHERE instance_id = $1 ORDER BY at");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = instanceId });
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                executions.Add(new Execution(
                    reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }
        catch (Npgsql.PostgresException exception) when (exception.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            // The host has not created its log table yet.
        }

        return executions;
    }

    /// <summary>
    /// Whether the sidecar committed a durable timer of the instance that has not fired yet: its TimerFired event waits in
    /// the inbox until its fire time, written in the same turn that recorded the previous activity's completion.
    /// </summary>
    private async Task<bool> TimerPendingAsync(string instanceId)
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM workflow_sidecar.inbox WHERE instance_id = $1 AND visible_at > now())");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = instanceId });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> EventIdsAsync()
    {
        var ids = new List<string>();
        await using var command = _database.DataSource.CreateCommand("SELECT event_id FROM crash_events");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static async Task WaitUntilAsync(Process host, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (host.HasExited)
            {
                Assert.Fail($"the host exited ({host.ExitCode}) before the condition was met: {await host.StandardError.ReadToEndAsync()}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {Patience}");
            await Task.Delay(50);
        }
    }
}
