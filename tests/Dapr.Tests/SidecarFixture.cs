using Dapr.Client;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Dapr;
using Platform.Dapr.Tests.FakeSidecar;

namespace Platform.Dapr.Tests;

/// <summary>One fake sidecar shared by a test class (the contract tests use fresh keys, so sharing is safe).</summary>
public sealed class SidecarFixture : IAsyncLifetime
{
    public FakeDaprSidecar Sidecar { get; private set; } = null!;

    public DaprClient Client { get; private set; } = null!;

    public static IOptions<DaprOptions> Options { get; } = Microsoft.Extensions.Options.Options.Create(new DaprOptions());

    public async Task InitializeAsync()
    {
        Sidecar = await FakeDaprSidecar.StartAsync();
        Client = Sidecar.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Sidecar.DisposeAsync();
    }
}
