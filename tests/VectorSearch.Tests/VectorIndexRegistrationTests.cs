using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;

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
        await using var services = Build(new() { ["VectorIndex:Embedded:DataDirectory"] = "" });

        services.GetRequiredService<IStartupValidator>().Validate();
        Assert.IsType<EmbeddedVectorIndex>(services.GetRequiredService<IVectorIndex>());
    }

    [Fact]
    public async Task A_bad_embedded_setting_fails_validation_at_start()
    {
        await using var services = Build(new() { ["VectorIndex:Embedded:DataDirectory"] = "", ["VectorIndex:Embedded:MaxLimit"] = "0" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("VectorIndex:Embedded:MaxLimit", error.Message);
    }
}
