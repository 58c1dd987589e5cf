using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;
using Platform.BuildingBlocks.VectorSearch.Qdrant;

namespace Platform.VectorSearch.Tests;

public sealed class VectorIndexRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddVectorIndex(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task The_embedded_index_is_the_default()
    {
        await using var services = Build(new() { ["VectorIndex:Embedded:DataDirectory"] = "", ["VectorIndex:Embedded:Dimension"] = "8" });

        services.GetRequiredService<IStartupValidator>().Validate();
        var index = Assert.IsType<EmbeddedVectorIndex>(services.GetRequiredService<IVectorIndex>());
        Assert.Equal(8, index.Dimension);
    }

    [Fact]
    public async Task Provider_qdrant_selects_the_qdrant_adapter()
    {
        await using var services = Build(new()
        {
            ["VectorIndex:Provider"] = "qdrant",
            ["VectorIndex:Qdrant:Url"] = "http://localhost:6333",
            ["VectorIndex:Qdrant:ApiKey"] = "secret",
        });

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<QdrantVectorIndex>(services.GetRequiredService<IVectorIndex>());
    }

    [Fact]
    public async Task Qdrant_without_a_url_fails_validation_at_start()
    {
        await using var services = Build(new() { ["VectorIndex:Provider"] = "Qdrant" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("VectorIndex:Qdrant:Url", error.Message);
    }
}
