using System.Text.Json;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// The twin service's runtime settings as built: under saturation on 2 cores, tier-0 and PGO-instrumented code (promoted only
/// when the starved background JIT gets to it) cost /recommend 4–5× its optimised CPU per request (docs/benchmarks.md).
/// </summary>
public sealed class ServingRuntimeTests
{
    [Fact]
    public void The_twin_service_jits_optimised_code_at_first_call_without_a_pgo_instrumentation_tier()
    {
        var properties = ConfigProperties("Platform.PortfolioTwin.Api.runtimeconfig.json");

        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation.QuickJit").GetBoolean());
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    private static JsonElement ConfigProperties(string runtimeConfig)
    {
        // The build copies a referenced executable's runtimeconfig.json beside this test's assembly.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, runtimeConfig)));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
