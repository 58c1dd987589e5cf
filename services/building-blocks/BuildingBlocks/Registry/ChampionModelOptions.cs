using System.ComponentModel.DataAnnotations;

namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// The settings every service serving a champion model shares, bound from the service's own configuration section (so
/// <c>Valuation:ModelName</c> and <c>PortfolioTwin:CacheTtl</c> keep their keys) and validated when the host starts.
/// </summary>
public abstract class ChampionModelOptions : IValidatableObject
{
    /// <summary>Registry name of the model whose champion is served.</summary>
    [Required, RegularExpression(ModelNames.Pattern)]
    public string ModelName { get; set; } = string.Empty;

    /// <summary>How often the champion alias is re-read from the registry when no model-deployed event arrives.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retry-After sent with 503 while no model is deployed.</summary>
    [Range(1, 3_600)]
    public int RetryAfterSeconds { get; set; } = 10;

    /// <summary>
    /// Most tenants whose model is held in memory at once (least recently used dropped beyond it, reloaded on its next
    /// request): memory is bounded by this times one model.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxLoadedTenants { get; set; } = TenantChampionsDefaults.Capacity;

    /// <summary>The configuration section these options are bound from, to name keys in validation messages.</summary>
    protected abstract string Section { get; }

    public virtual IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CacheTtl <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:CacheTtl must be positive.", [nameof(CacheTtl)]);
        }
    }
}

/// <summary>Defaults shared by the options and <see cref="TenantChampions{TModel}"/> (a generic type's constant cannot be used in attributes).</summary>
public static class TenantChampionsDefaults
{
    public const int Capacity = 64;
}
