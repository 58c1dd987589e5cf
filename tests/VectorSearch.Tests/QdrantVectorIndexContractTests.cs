using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;

namespace Platform.VectorSearch.Tests;

/// <summary>One fake Qdrant server for the class; each test gets its own collection.</summary>
public sealed class FakeQdrantFixture : IAsyncLifetime
{
    public FakeQdrantServer Server { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync() => Server = await FakeQdrantServer.StartAsync();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public QdrantOptions Options(string? collection = null, string? apiKey = null) => new()
    {
        Url = Server.Url,
        ApiKey = apiKey ?? Server.ApiKey,
        Collection = collection ?? "properties-" + Guid.NewGuid().ToString("N"),
        Dimension = TestPoints.Dimension,
    };
}

public sealed class QdrantVectorIndexContractTests(FakeQdrantFixture fixture) : VectorIndexContractTests, IClassFixture<FakeQdrantFixture>
{
    protected override Task<IVectorIndex> CreateIndexAsync() =>
        Task.FromResult<IVectorIndex>(new QdrantVectorIndex(fixture.Http, fixture.Options()));
}
