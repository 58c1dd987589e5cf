using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;

namespace Platform.VectorSearch.Tests;

public sealed class EmbeddedVectorIndexContractTests : VectorIndexContractTests
{
    protected override Task<IVectorIndex> CreateIndexAsync() =>
        Task.FromResult<IVectorIndex>(new EmbeddedVectorIndex(new EmbeddedVectorIndexOptions { DataDirectory = null }));
}
