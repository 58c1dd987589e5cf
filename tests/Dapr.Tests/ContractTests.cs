using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Messaging;
using Platform.BuildingBlocks.StateStore;
using Platform.Dapr.Tests.FakeSidecar;
using Platform.Testing.Contracts;

namespace Platform.Dapr.Tests;

public sealed class DaprStateStoreContractTests(SidecarFixture fixture) : StateStoreContractTests, IClassFixture<SidecarFixture>
{
    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new DaprStateStore(fixture.Client, SidecarFixture.Options));
}

public sealed class InMemoryStateStoreContractTests : StateStoreContractTests
{
    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new InMemoryStateStore());
}

public sealed class DaprArtifactStoreContractTests(SidecarFixture fixture) : ArtifactStoreContractTests, IClassFixture<SidecarFixture>
{
    protected override Task<IArtifactStore> CreateStoreAsync() => Task.FromResult<IArtifactStore>(new DaprArtifactStore(fixture.Client, SidecarFixture.Options));
}

public sealed class FileSystemArtifactStoreContractTests : ArtifactStoreContractTests, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("artifact-contract-");

    protected override Task<IArtifactStore> CreateStoreAsync() => Task.FromResult<IArtifactStore>(new FileSystemArtifactStore(_root.FullName));

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>Dapr pub/sub end to end: DaprEventPublisher → fake sidecar → the app's /dapr/subscribe routes → IEventHandler.</summary>
public sealed class DaprEventBusContractTests : EventBusContractTests
{
    protected override async Task<EventBusUnderTest> StartAsync(IReadOnlyList<IEventHandler> handlers)
    {
        var sidecar = await FakeDaprSidecar.StartAsync();
        var app = await TestApp.StartAsync(sidecar, services =>
        {
            foreach (var handler in handlers)
            {
                services.AddSingleton(handler);
            }
        });
        await sidecar.Delivery.AttachAppAsync(app.Address);
        return new EventBusUnderTest(app.Services.GetRequiredService<IEventPublisher>(), async () =>
        {
            await sidecar.DisposeAsync();
            await app.DisposeAsync();
        });
    }
}

/// <summary>The same contract on the embedded bus, so the suite is known not to be shaped after Dapr alone.</summary>
public sealed class InProcessEventBusContractTests : EventBusContractTests
{
    protected override async Task<EventBusUnderTest> StartAsync(IReadOnlyList<IEventHandler> handlers)
    {
        var services = new ServiceCollection();
        foreach (var handler in handlers)
        {
            services.AddSingleton(handler);
        }

        var provider = services.BuildServiceProvider();
        var options = Options.Create(new InProcessEventBusOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(20) });
        var bus = new InProcessEventBus(provider, options, TimeProvider.System, NullLogger<InProcessEventBus>.Instance);
        await bus.StartAsync(CancellationToken.None);
        return new EventBusUnderTest(bus, async () =>
        {
            await bus.StopAsync(CancellationToken.None);
            bus.Dispose();
            await provider.DisposeAsync();
        });
    }
}
