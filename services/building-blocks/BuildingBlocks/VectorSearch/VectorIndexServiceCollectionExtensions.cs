using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.VectorSearch.Embedded;

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
                throw new NotSupportedException("The Qdrant adapter is being moved to Qdrant.Client (gRPC); use the embedded index.");
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
