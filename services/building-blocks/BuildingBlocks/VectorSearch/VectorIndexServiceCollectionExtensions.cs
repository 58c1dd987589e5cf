using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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
    public const string QdrantHttpClientName = "qdrant";

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
                        "VectorIndex:Qdrant:Url must be an absolute http(s) URL, e.g. http://localhost:6333.")
                    .Validate(o => !string.IsNullOrWhiteSpace(o.Collection), "VectorIndex:Qdrant:Collection is required.")
                    .Validate(o => o.Dimension > 0, "VectorIndex:Qdrant:Dimension must be positive.")
                    .Validate(o => o.UpsertBatchSize is > 0 and <= 10_000, "VectorIndex:Qdrant:UpsertBatchSize must be 1..10000.")
                    .ValidateOnStart();
                // A long-lived client: pooled connections are recycled so DNS changes are still picked up.
                services.AddHttpClient(QdrantHttpClientName)
                    .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5))
                    .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
                services.TryAddSingleton<IVectorIndex>(sp => new QdrantVectorIndex(
                    sp.GetRequiredService<IHttpClientFactory>().CreateClient(QdrantHttpClientName),
                    sp.GetRequiredService<IOptions<QdrantOptions>>()));
                break;
            default:
                services.AddOptions<EmbeddedVectorIndexOptions>()
                    .Bind(configuration.GetSection(EmbeddedVectorIndexOptions.SectionName))
                    .Validate(o => o.Dimension > 0, "VectorIndex:Embedded:Dimension must be positive.")
                    .Validate(o => o.FlushDelay >= TimeSpan.Zero, "VectorIndex:Embedded:FlushDelay must not be negative.")
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
