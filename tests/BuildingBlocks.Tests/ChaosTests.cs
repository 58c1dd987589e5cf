using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.BuildingBlocks.Chaos;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.StateStore;

namespace Platform.BuildingBlocks.Tests;

/// <summary>The chaos decorators on real adapters: faults switch at run time, nothing is injected when no fault is set.</summary>
public sealed class ChaosTests
{
    [Fact]
    public async Task State_store_faults_switch_on_and_off_at_run_time()
    {
        var chaos = new ChaosController();
        var store = Decorate<IStateStore>(new InMemoryStateStore(), chaos);
        await store.SaveAsync("k", [1]);

        chaos.Set(ChaosPorts.StateStore, new PortFault { ErrorRate = 1 });
        var failure = await Assert.ThrowsAsync<ChaosInjectedException>(() => store.GetAsync("k"));
        Assert.Equal(ChaosPorts.StateStore, failure.Port);

        chaos.Clear();
        Assert.Equal([1], (await store.GetAsync("k"))!.Value);
        Assert.Equal(1, chaos.Injected["state_store:error"]);
    }

    [Fact]
    public async Task Latency_is_injected_into_the_named_port_only()
    {
        var chaos = new ChaosController();
        var store = Decorate<IStateStore>(new InMemoryStateStore(), chaos);
        chaos.Set(ChaosPorts.StateStore, new PortFault { LatencyRate = 1, LatencyMs = 150 });
        chaos.Set(ChaosPorts.VectorIndex, new PortFault { ErrorRate = 1 });

        var watch = Stopwatch.StartNew();
        await store.SaveAsync("k", [1]);

        Assert.True(watch.ElapsedMilliseconds >= 140, $"took {watch.ElapsedMilliseconds} ms");
        Assert.False(chaos.Injected.ContainsKey("state_store:error"));
    }

    [Fact]
    public async Task Dropped_messages_are_acknowledged_but_never_delivered()
    {
        var chaos = new ChaosController();
        var delivered = new List<string>();
        var publisher = Decorate<IEventPublisher>(new RecordingPublisher(delivered), chaos);

        chaos.Set(ChaosPorts.PubSub, new PortFault { DropRate = 1 });
        var dropped = await publisher.PublishAsync("topic", new { n = 1 }, eventId: "e1");
        chaos.Clear();
        await publisher.PublishAsync("topic", new { n = 2 }, eventId: "e2");

        Assert.Equal("e1", dropped);
        Assert.Equal(["e2"], delivered);
        Assert.Equal(1, chaos.Injected["pubsub:drop"]);
    }

    [Fact]
    public void Ports_are_decorated_only_when_chaos_is_enabled()
    {
        Assert.IsType<InMemoryStateStore>(Build(enabled: false).GetRequiredService<IStateStore>());
        Assert.Null(Build(enabled: false).GetService<ChaosController>());
        Assert.IsNotType<InMemoryStateStore>(Build(enabled: true).GetRequiredService<IStateStore>());
        Assert.NotNull(Build(enabled: true).GetService<ChaosController>());
    }

    [Fact]
    public void Fault_values_outside_their_range_are_named()
    {
        Assert.Equal("error_rate must be between 0 and 1.", new PortFault { ErrorRate = 1.5 }.Problem());
        Assert.Equal("latency_ms must be between 0 and 60000.", new PortFault { LatencyMs = -1 }.Problem());
        Assert.Null(new PortFault { DropRate = 0.5, LatencyMs = 10, LatencyRate = 1 }.Problem());
        Assert.Throws<ArgumentException>(() => new ChaosController().Set("disk", new PortFault()));
    }

    private static IServiceProvider Build(bool enabled)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(ChaosExtensions.EnabledKey, enabled ? "true" : "false")]);
        builder.Services.AddSingleton<IStateStore, InMemoryStateStore>();
        builder.AddPlatformChaos();
        return builder.Services.BuildServiceProvider();
    }

    private static T Decorate<T>(T inner, ChaosController chaos)
        where T : class
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new(ChaosExtensions.EnabledKey, "true")]);
        builder.Services.AddSingleton(chaos);
        builder.Services.AddSingleton(inner);
        builder.AddPlatformChaos();
        return builder.Services.BuildServiceProvider().GetRequiredService<T>();
    }

    private sealed class RecordingPublisher(List<string> delivered) : IEventPublisher
    {
        public Task<string> PublishAsync<T>(string topic, T data, string? eventId = null, CancellationToken cancellationToken = default)
        {
            delivered.Add(eventId!);
            return Task.FromResult(eventId!);
        }
    }
}
