using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Messaging;

namespace Platform.Valuation.Api.Tests;

/// <summary>
/// The real valuation host on a test database, with a temporary artifact folder and a known API key. It runs in development
/// mode: every client it makes sends the tenant header (<see cref="Tenant"/>), which is its credential there.
/// </summary>
public sealed class ValuationApiFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-key-valuation";
    public const string Tenant = "valuation-tests";

    public string ArtifactsPath { get; } = Directory.CreateTempSubdirectory("valuation-api-artifacts-").FullName;

    public EventRecorder Events { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", connectionString);
        builder.UseSetting("Platform:ApiKeys:0", ApiKey);
        builder.UseSetting("Platform:Auth:AllowTenantHeader", "true");
        builder.UseSetting("Platform:Embedded:ArtifactsPath", ArtifactsPath);
        builder.UseSetting("Platform:EventBus:FirstRetryDelay", "00:00:00.050");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.AddSingleton(Events);
            services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.Estimates, Events));
            services.AddSingleton<IEventHandler>(new RecordingHandler(Topics.DriftAlerts, Events));
        });
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Tenant-Id", Tenant);
    }

    /// <summary>A client with no credential at all.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Remove("X-Tenant-Id");
        return client;
    }

    public HttpClient CreateAdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // WebApplicationFactory may dispose twice (sync and async paths).
        if (disposing && Directory.Exists(ArtifactsPath))
        {
            Directory.Delete(ArtifactsPath, recursive: true);
        }
    }

    private sealed class RecordingHandler(string topic, EventRecorder recorder) : IEventHandler
    {
        public string Topic => topic;

        public Task<DeliveryResult> HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
        {
            recorder.Add(cloudEvent);
            return Task.FromResult(DeliveryResult.Success);
        }
    }
}

/// <summary>Events the host published on the topics a test listens to.</summary>
public sealed class EventRecorder
{
    private readonly ConcurrentQueue<CloudEvent> _events = new();

    public void Add(CloudEvent cloudEvent) => _events.Enqueue(cloudEvent);

    public async Task<CloudEvent> WaitForAsync(string topic, Func<CloudEvent, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_events.FirstOrDefault(e => e.Topic == topic && match(e)) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No matching event on '{topic}' within {timeout}; seen: {string.Join(", ", _events.Select(e => e.Topic))}.");
    }
}
