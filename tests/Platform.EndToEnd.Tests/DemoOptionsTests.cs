using Microsoft.Extensions.Options;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary><c>Platform:Demo</c> is checked when the all-in-one host starts: bad values stop it before anything is seeded.</summary>
public sealed class DemoOptionsTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task Bad_demo_options_stop_the_host_with_a_message_naming_the_fields()
    {
        var workspace = Directory.CreateTempSubdirectory("platform-demo-options-");
        try
        {
            await using var app = PlatformHost.Build(AllInOneHostArguments.For($"http://127.0.0.1:{Loopback.FreePort()}", database.ConnectionString, workspace.FullName,
                "--Platform:Demo:TenantId=not a tenant!",
                "--Platform:Demo:Properties=0"));

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Equal(typeof(DemoOptions), error.OptionsType);
            Assert.Contains("'TenantId'", error.Message, StringComparison.Ordinal);
            Assert.Contains("'Properties'", error.Message, StringComparison.Ordinal);
            Assert.False(await new Platform.MarketData.Postgres.TenantStore(database.DataSource).ExistsAsync("demo"));
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }
}
