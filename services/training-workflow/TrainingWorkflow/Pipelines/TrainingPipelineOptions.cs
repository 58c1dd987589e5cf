using System.ComponentModel.DataAnnotations;
using Cronos;
using Microsoft.Extensions.Options;
using Platform.MarketData.Postgres;

namespace Platform.TrainingWorkflow.Pipelines;

/// <summary>Settings of the training pipelines (configuration section <c>Platform:Pipelines</c>), validated at start-up.</summary>
public sealed class TrainingPipelineOptions
{
    public const string SectionName = "Platform:Pipelines";

    /// <summary>When <c>PlatformRetraining</c> runs for each tenant; empty turns the default schedule off. Default: Mondays 03:00 UTC.</summary>
    public string RetrainingCron { get; set; } = "0 3 * * 1";

    public const string DefaultTenant = "demo";

    /// <summary>
    /// Tenants retrained on <see cref="RetrainingCron"/> (and on each tick of the Dapr cron binding); none configured means
    /// <see cref="DefaultTenant"/>. Empty by default because the configuration binder appends to a list, never replaces it.
    /// </summary>
    public List<string> Tenants { get; set; } = [];

    /// <summary><see cref="Tenants"/>, or <see cref="DefaultTenant"/> when none are configured.</summary>
    public IReadOnlyList<string> RetrainedTenants => Tenants.Count == 0 ? [DefaultTenant] : Tenants;

    /// <summary>Parsed price datasets kept per process (<see cref="Price.PriceSnapshotCache"/>); 0 turns the cache off.</summary>
    [Range(0, 64)]
    public int SnapshotCacheEntries { get; set; } = 4;
}

/// <summary>Checks what data annotations cannot: the cron expression parses and every tenant id is valid. Messages name the key.</summary>
public sealed class TrainingPipelineOptionsValidator : IValidateOptions<TrainingPipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, TrainingPipelineOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.RetrainingCron))
        {
            try
            {
                var fields = options.RetrainingCron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                CronExpression.Parse(options.RetrainingCron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException exception)
            {
                failures.Add($"{TrainingPipelineOptions.SectionName}:RetrainingCron ('{options.RetrainingCron}') is not a cron expression: {exception.Message}");
            }
        }

        foreach (var (tenant, index) in options.Tenants.Select((t, i) => (t, i)))
        {
            if (!TenantId.IsValid(tenant))
            {
                failures.Add($"{TrainingPipelineOptions.SectionName}:Tenants:{index} ('{tenant}') is not a valid tenant id (1-64 of A-Z a-z 0-9 _ -).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
