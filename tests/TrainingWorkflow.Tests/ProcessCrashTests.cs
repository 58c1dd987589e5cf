using System.Diagnostics;
using Platform.Testing;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>
/// Crash recovery with a real process: a host is killed (SIGKILL) while the second of three activities runs, a second host
/// on the same PostgreSQL store finishes the instance, and the activity that had completed is not executed again.
/// </summary>
public sealed class ProcessCrashTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly string HostAssembly = Path.Combine(AppContext.BaseDirectory, "TrainingWorkflow.CrashHost.dll");

    [Fact]
    public async Task A_killed_host_loses_nothing_and_completed_activities_do_not_run_again()
    {
        const string instanceId = "crash-recovery-1";
        using var first = StartHost(instanceId, "host-a");
        try
        {
            await WaitUntilAsync(async () => (await ExecutionsAsync(instanceId)).Any(e => e.Step == 2), TimeSpan.FromSeconds(60));
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        using var second = StartHost(instanceId, "host-b");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await second.WaitForExitAsync(timeout.Token);
        Assert.True(second.ExitCode == 0, await second.StandardError.ReadToEndAsync());

        var executions = await ExecutionsAsync(instanceId);
        var step1 = Assert.Single(executions, e => e.Step == 1);
        Assert.Equal(first.Id, step1.Pid);
        Assert.Equal(second.Id, executions.Last(e => e.Step == 2).Pid);
        Assert.Equal(second.Id, Assert.Single(executions, e => e.Step == 3).Pid);
    }

    private Process StartHost(string instanceId, string hostId)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { HostAssembly, database.ConnectionString, instanceId, hostId })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the crash host");
    }

    private async Task<List<(int Step, int Pid)>> ExecutionsAsync(string instanceId)
    {
        var executions = new List<(int, int)>();
        await using var command = database.DataSource.CreateCommand(
            "SELECT step, pid FROM crash_executions WHERE instance_id = $1 ORDER BY at");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = instanceId });
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                executions.Add((reader.GetInt32(0), reader.GetInt32(1)));
            }
        }
        catch (Npgsql.PostgresException exception) when (exception.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            // The host has not created its log table yet.
        }

        return executions;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout}");
            await Task.Delay(50);
        }
    }
}
