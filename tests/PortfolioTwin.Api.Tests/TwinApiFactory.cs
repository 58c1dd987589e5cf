using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.PortfolioTwin.Api.Tests;

/// <summary>
/// The real portfolio-twin host on a test database, with temporary artifact and vector folders and a known API key, in
/// development mode: <see cref="CreateTenantClient"/>'s tenant header is its credential (tests of real credentials make keys).
/// </summary>
public sealed class TwinApiFactory(
    string connectionString, Action<IServiceCollection>? configureServices = null, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-key-twin";

    public string WorkPath { get; } = Directory.CreateTempSubdirectory("twin-api-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        builder.UseSetting("Platform:ApiKeys:0", ApiKey);
        builder.UseSetting("Platform:Auth:AllowTenantHeader", "true");
        builder.UseSetting("Platform:Embedded:ArtifactsPath", Path.Combine(WorkPath, "artifacts"));
        builder.UseSetting("Platform:EventBus:FirstRetryDelay", "00:00:00.050");
        builder.UseSetting("VectorIndex:Embedded:DataDirectory", Path.Combine(WorkPath, "vectors"));
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        if (configureServices is not null)
        {
            builder.ConfigureTestServices(configureServices);
        }
    }

    public HttpClient CreateTenantClient(string tenantId)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Tenant-Id", tenantId);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // WebApplicationFactory may dispose twice (sync and async paths).
        if (disposing && Directory.Exists(WorkPath))
        {
            Directory.Delete(WorkPath, recursive: true);
        }
    }
}
