using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;
using Platform.Testing.Qdrant;

namespace Platform.VectorSearch.Tests;

/// <summary>The in-process gRPC fake, shared by the tests of a class (each test has its own space).</summary>
public sealed class FakeQdrantFixture : IAsyncLifetime
{
    public const string ApiKey = "fake-qdrant-key";

    public FakeQdrantServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeQdrantServer.StartAsync(ApiKey);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Opens Qdrant adapters (each with its own channel, like separate replicas) and disposes them with the test class.</summary>
public abstract class QdrantAdapterTestBase : VectorIndexContractTests, IDisposable
{
    private readonly List<QdrantChannel> _channels = [];

    protected override int UpsertBatchSize => 16;

    protected abstract QdrantOptions BaseOptions();

    protected QdrantVectorIndex Open(Action<QdrantOptions>? configure = null)
    {
        var options = BaseOptions();
        options.UpsertBatchSize = UpsertBatchSize;
        // Long enough for the pinned-reader test, short enough that replaced collections go within the run.
        options.OldVersionGracePeriod = TimeSpan.FromSeconds(3);
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
        configure?.Invoke(options);
        var channel = new QdrantChannel(options);
        _channels.Add(channel);
        return new QdrantVectorIndex(channel.Client, options);
    }

    protected override Task<IVectorIndex> CreateIndexAsync() => Task.FromResult<IVectorIndex>(Open());

    protected override Task<IVectorIndex> CreateReplicaAsync(IVectorIndex first) => Task.FromResult<IVectorIndex>(Open());

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The contract suite against the Qdrant adapter over the in-process gRPC fake.</summary>
public sealed class QdrantOverFakeContractTests(FakeQdrantFixture fixture) : QdrantAdapterTestBase, IClassFixture<FakeQdrantFixture>
{
    protected override QdrantOptions BaseOptions() => new() { Url = fixture.Server.Url, ApiKey = FakeQdrantFixture.ApiKey };
}

/// <summary>
/// The contract suite against a real Qdrant, when <c>QDRANT_URL</c> names its gRPC endpoint (e.g. http://localhost:6334; api key
/// from <c>QDRANT_API_KEY</c>). Without it every test is reported skipped, never passed.
/// </summary>
[RequiresEnvironment("QDRANT_URL")]
public sealed class QdrantServerContractTests : QdrantAdapterTestBase
{
    protected override QdrantOptions BaseOptions() => new()
    {
        Url = Environment.GetEnvironmentVariable("QDRANT_URL") ?? "http://localhost:6334",
        ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY"),
    };
}
