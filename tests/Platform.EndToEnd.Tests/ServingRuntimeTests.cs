using System.Text.Json;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The all-in-one host's runtime settings as built (<c>platform serve</c> serves /recommend): optimised code at first call and
/// no PGO instrumentation tier, which under saturation on 2 cores cost /recommend 4–5× its CPU per request (docs/benchmarks.md).
/// </summary>
public sealed class ServingRuntimeTests
{
    [Fact]
    public void The_platform_host_jits_optimised_code_at_first_call_without_a_pgo_instrumentation_tier()
    {
        // The build copies the referenced platform tool's runtimeconfig.json beside this test's assembly.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "platform.runtimeconfig.json")));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation.QuickJit").GetBoolean());
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }
}
