using System.ComponentModel.DataAnnotations;
using Platform.BuildingBlocks.Registry;

namespace Platform.PortfolioTwin.Api;

/// <summary>
/// Settings of the portfolio-twin service (configuration section <c>PortfolioTwin</c>), validated when the host starts; the
/// champion's name, TTL and Retry-After come from <see cref="ChampionModelOptions"/>.
/// </summary>
public sealed class PortfolioTwinOptions : ChampionModelOptions
{
    public const string SectionName = "PortfolioTwin";

    public PortfolioTwinOptions() => ModelName = ModelNames.Twin;

    /// <summary>Upper bound of <c>top_k</c> in /recommend and /similar.</summary>
    [Range(1, 1_000)]
    public int MaxTopK { get; set; } = 100;

    /// <summary>Default <c>top_k</c> when a request names none.</summary>
    [Range(1, 1_000)]
    public int DefaultTopK { get; set; } = 10;

    /// <summary>Most properties in one /batch_predict, or interactions in one /interactions request; more is answered 413.</summary>
    [Range(1, 100_000)]
    public int BatchLimit { get; set; } = 1_000;

    /// <summary>Most candidate ids one /recommend may name.</summary>
    [Range(1, 100_000)]
    public int MaxCandidates { get; set; } = 10_000;

    /// <summary>Properties encoded per model call (and upserted per index call) while reindexing a tenant.</summary>
    [Range(1, 100_000)]
    public int IndexBatchSize { get; set; } = 2_048;

    /// <summary>Folded-in user vectors kept in memory (cold-start and recently active users).</summary>
    [Range(1, 10_000_000)]
    public int UserVectorCacheSize { get; set; } = 100_000;

    /// <summary>
    /// A user's most recent interactions read per request (what is excluded from recommendations, counted for confidence and
    /// folded in for a cold user). Older signals are left to training, so a request costs the same however long a history grows.
    /// </summary>
    [Range(1, 100_000)]
    public int RecentSignalsPerUser { get; set; } = 500;

    /// <summary>
    /// Seconds a user's recent signals (count and exclusions) are served from memory before they are read again; 0 reads them on
    /// every request. Interactions ingested by this instance take effect at once; ones ingested by another replica within this time.
    /// </summary>
    [Range(0, 3_600)]
    public double RecentSignalsCacheSeconds { get; set; } = 5;

    /// <summary>Users whose recent signals are kept in memory.</summary>
    [Range(1, 10_000_000)]
    public int RecentSignalsCacheSize { get; set; } = 100_000;

    /// <summary>Name of the vector space (the Qdrant alias) holding the property embeddings; versions are named after the model.</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9_-]{0,40}$")]
    public string IndexSpace { get; set; } = "properties";

    /// <summary>Length of the property embeddings; a model of another dimension is refused at indexing time.</summary>
    [Range(1, 4_096)]
    public int EmbeddingDimension { get; set; } = 16;

    /// <summary>App id of the valuation service, asked for the estimated-value feature under Dapr.</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$")]
    public string ValuationAppId { get; set; } = "valuation";

    /// <summary>Properties per <c>POST /estimate</c> call to valuation (at most its batch limit, 1,000 by default).</summary>
    [Range(1, 100_000)]
    public int ValuationBatchSize { get; set; } = 1_000;

    /// <summary>Rebuild the index (aside, then one alias switch) when a champion of another model version loads.</summary>
    public bool ReindexOnModelChange { get; set; } = true;

    protected override string Section => SectionName;

    public override IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in base.Validate(validationContext))
        {
            yield return result;
        }

        if (DefaultTopK > MaxTopK)
        {
            yield return new ValidationResult("PortfolioTwin:DefaultTopK cannot exceed MaxTopK.", [nameof(DefaultTopK)]);
        }
    }
}
