using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.StateStore;
using Platform.TrainingWorkflow.Engine;

namespace Platform.TrainingWorkflow.Tests;

/// <summary>One "host": the engine on its own service provider, over a store and activity log that tests may share between hosts.</summary>
public sealed class TestEngine : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private bool _crashed;

    private TestEngine(ServiceProvider provider)
    {
        _provider = provider;
        Runtime = provider.GetRequiredService<WorkflowRuntime>();
        Client = provider.GetRequiredService<WorkflowClient>();
        Store = provider.GetRequiredService<WorkflowInstanceStore>();
    }

    public WorkflowRuntime Runtime { get; }

    public WorkflowClient Client { get; }

    public WorkflowInstanceStore Store { get; }

    public static async Task<TestEngine> StartAsync(
        IStateStore store,
        ActivityLog log,
        TimeProvider? timeProvider = null,
        string hostId = "host-a",
        TimeSpan? leaseDuration = null,
        TimeSpan? pollInterval = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(builder => builder.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(store);
        services.AddSingleton(log);
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddWorkflowEngine(options =>
        {
            TestRegistrations.All(options);
            options.HostId = hostId;
            options.LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(30);
            options.PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(200);
        });
        var engine = new TestEngine(services.BuildServiceProvider());
        await engine.Runtime.StartAsync(CancellationToken.None);
        return engine;
    }

    /// <summary>Like a killed process: no graceful stop, leases stay until they expire.</summary>
    public void Crash()
    {
        _crashed = true;
        Runtime.SimulateCrash();
    }

    public async Task<WorkflowState> WaitForAsync(string instanceId, Func<WorkflowState, bool> condition, FakeTimeProvider? advance = null, TimeSpan? step = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var state = await Client.GetWorkflowStateAsync(instanceId);
            if (state is not null && condition(state))
            {
                return state;
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Instance {instanceId} did not reach the expected state; last: {state?.RuntimeStatus} {state?.FailureDetails?.ErrorMessage}");
            }

            advance?.Advance(step ?? TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }
    }

    public Task<WorkflowState> WaitForCompletionAsync(string instanceId, FakeTimeProvider? advance = null, TimeSpan? step = null) =>
        WaitForAsync(instanceId, s => s.IsWorkflowCompleted, advance, step);

    public async ValueTask DisposeAsync()
    {
        if (!_crashed)
        {
            await Runtime.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}
