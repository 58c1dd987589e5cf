using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.VectorSearch.Embedded;
using Platform.BuildingBlocks.VectorSearch.Qdrant;

namespace Platform.BuildingBlocks.VectorSearch;

public enum VectorIndexProvider
{
    Embedded,
    Qdrant,
}

public sealed class VectorIndexOptions
{
    public const string SectionName = "VectorIndex";

    public VectorIndexProvider Provider { get; set; } = VectorIndexProvider.Embedded;
}

public static class VectorIndexServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IVectorIndex"/>: the embedded index (default) or Qdrant when <c>VectorIndex:Provider</c> is
    /// <c>qdrant</c>, with options from <c>VectorIndex:Embedded</c> or <c>VectorIndex:Qdrant</c> checked at start.
    /// </summary>
    public static IServiceCollection AddVectorIndex(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(VectorIndexOptions.SectionName);
        var selected = section.Get<VectorIndexOptions>() ?? new VectorIndexOptions();
        services.AddOptions<VectorIndexOptions>().Bind(section);

        switch (selected.Provider)
        {
            case VectorIndexProvider.Qdrant:
                services.AddOptions<QdrantOptions>()
                    .Bind(configuration.GetSection(QdrantOptions.SectionName))
                    .Validate(o => Uri.TryCreate(o.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
                        "VectorIndex:Qdrant:Url must be an absolute http(s) URL of Qdrant's gRPC port, e.g. http://localhost:6334.")
                    .Validate(o => o.Timeout > TimeSpan.Zero, "VectorIndex:Qdrant:Timeout must be positive.")
                    .Validate(o => o.MaxRetries is >= 0 and <= 10, "VectorIndex:Qdrant:MaxRetries must be 0..10.")
                    .Validate(o => o.RetryBaseDelay >= TimeSpan.Zero, "VectorIndex:Qdrant:RetryBaseDelay must not be negative.")
                    .Validate(o => o.UpsertBatchSize is > 0 and <= 10_000, "VectorIndex:Qdrant:UpsertBatchSize must be 1..10000.")
                    .Validate(o => o.UpsertConcurrency is > 0 and <= 64, "VectorIndex:Qdrant:UpsertConcurrency must be 1..64.")
                    .Validate(o => o.MaxLimit is > 0 and <= 100_000, "VectorIndex:Qdrant:MaxLimit must be 1..100000.")
                    .Validate(o => o.OldVersionGracePeriod >= TimeSpan.Zero, "VectorIndex:Qdrant:OldVersionGracePeriod must not be negative.")
                    .Validate(o => o.Hnsw.M >= 0 && o.Hnsw.EfConstruct >= 4 && o.Hnsw.PayloadM >= 0 && o.Hnsw.FullScanThresholdKb >= 0 && o.Hnsw.HnswEf is null or > 0,
                        "VectorIndex:Qdrant:Hnsw needs M >= 0, EfConstruct >= 4, PayloadM >= 0, FullScanThresholdKb >= 0 and HnswEf > 0 when set.")
                    .ValidateOnStart();
                // One channel and client for the process: HTTP/2 multiplexes every call over it.
                services.TryAddSingleton(sp => new QdrantChannel(sp.GetRequiredService<IOptions<QdrantOptions>>().Value));
                services.TryAddSingleton(sp => new QdrantVectorIndex(
                    sp.GetRequiredService<QdrantChannel>().Client,
                    sp.GetRequiredService<IOptions<QdrantOptions>>().Value,
                    sp.GetService<ILogger<QdrantVectorIndex>>()));
                services.TryAddSingleton<IVectorIndex>(sp => sp.GetRequiredService<QdrantVectorIndex>());
                services.AddHealthChecks().Add(new HealthCheckRegistration(
                    "qdrant",
                    sp => new QdrantHealthCheck(sp.GetRequiredService<QdrantChannel>(), sp.GetRequiredService<IOptions<QdrantOptions>>().Value),
                    failureStatus: null,
                    tags: [ServiceDefaultsExtensions.ReadyTag]));
                break;
            default:
                services.AddOptions<EmbeddedVectorIndexOptions>()
                    .Bind(configuration.GetSection(EmbeddedVectorIndexOptions.SectionName))
                    .Validate(o => o.FlushDelay >= TimeSpan.Zero, "VectorIndex:Embedded:FlushDelay must not be negative.")
                    .Validate(o => o.MaxLimit is > 0 and <= 100_000, "VectorIndex:Embedded:MaxLimit must be 1..100000.")
                    .ValidateOnStart();
                services.TryAddSingleton(TimeProvider.System);
                services.TryAddSingleton(sp => new EmbeddedVectorIndex(
                    sp.GetRequiredService<IOptions<EmbeddedVectorIndexOptions>>(), sp.GetRequiredService<TimeProvider>()));
                services.TryAddSingleton<IVectorIndex>(sp => sp.GetRequiredService<EmbeddedVectorIndex>());
                break;
        }

        return services;
    }
}
