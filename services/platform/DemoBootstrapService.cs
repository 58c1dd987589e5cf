using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.BuildingBlocks.Registry;
using Platform.MarketData.Postgres;
using Platform.MarketData.Synthetic;
using Platform.TrainingWorkflow.Management;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.Host;

/// <summary>What the main job seeds and trains on a fresh database (<c>Platform:Demo</c>), validated at start-up.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Platform:Demo";

    public bool Enabled { get; set; } = true;

    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "The field TenantId must be 1-64 of A-Z a-z 0-9 _ -.")]
    public string TenantId { get; set; } = "demo";

    [Range(1, 10_000_000)]
    public int Properties { get; set; } = 5_000;

    [Range(0, 1_000_000)]
    public int Users { get; set; } = 200;

    [Range(0, 100_000)]
    public int InteractionsPerUser { get; set; } = 150;

    public int Seed { get; set; } = 7;
}

public static class DemoBootstrapServiceCollectionExtensions
{
    /// <summary>The demo bootstrap with its options (<c>Platform:Demo</c>) checked when the host starts.</summary>
    public static IServiceCollection AddDemoBootstrap(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>()
            .Bind(configuration.GetSection(DemoOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<TenantStore>();
        services.AddHostedService<DemoBootstrapService>();
        return services;
    }
}

/// <summary>
/// The main job's first run: once the host listens, seeds the demo tenant with a synthetic market when the database has
/// none, and runs <c>PlatformRetraining</c> (on the embedded workflow sidecar unless under Dapr) when a model has no champion yet. A later start finds both and does nothing.
/// The run starts through the <see cref="RetrainingTrigger"/> like every other retraining, as instance
/// <c>retrain-{tenant}-bootstrap</c> (<see cref="BootstrapInstanceIdFor"/>); when that run has ended and the tenant still has
/// no champions (an earlier release's data folder, a failed run), a start runs it again under a new id rather than serving 503
/// for ever.
/// </summary>
public sealed class DemoBootstrapService(
    IOptions<DemoOptions> options,
    NpgsqlDataSource dataSource,
    TenantStore tenants,
    ModelRegistry registry,
    RetrainingTrigger retraining,
    WorkflowManagement workflows,
    IHostApplicationLifetime lifetime,
    ILogger<DemoBootstrapService> logger) : BackgroundService
{
    public static string BootstrapInstanceIdFor(string tenantId) => RetrainingInstanceId.For(tenantId, RetrainingInstanceId.BootstrapWindow);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        if (!demo.Enabled || !await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        if (!await tenants.ExistsAsync(demo.TenantId, stoppingToken))
        {
            logger.LogInformation("Seeding tenant {Tenant}: {Properties} properties, {Users} users (seed {Seed})",
                demo.TenantId, demo.Properties, demo.Users, demo.Seed);
            var market = new SyntheticMarketGenerator(new SyntheticMarketOptions
            {
                TenantId = demo.TenantId,
                Properties = demo.Properties,
                Users = demo.Users,
                InteractionsPerUser = demo.InteractionsPerUser,
                Seed = demo.Seed,
            });
            var loaded = await new PostgresMarketWriter(dataSource).WriteAsync(market, replace: false, cancellationToken: stoppingToken);
            logger.LogInformation("Seeded {Rows} rows in {Seconds:F1} s", loaded.TotalRows, loaded.Elapsed.TotalSeconds);
        }

        // The demo tenant's own champions: another tenant's models neither count nor serve it.
        var priceChampion = await registry.ResolveAsync(demo.TenantId, ModelNames.Price, ModelRegistry.Champion, stoppingToken);
        var twinChampion = await registry.ResolveAsync(demo.TenantId, ModelNames.Twin, ModelRegistry.Champion, stoppingToken);
        if (priceChampion is not null && twinChampion is not null)
        {
            logger.LogInformation("Serving tenant {Tenant} price v{Price} and twin v{Twin}", demo.TenantId, priceChampion.Version, twinChampion.Version);
            return;
        }

        var instanceId = await StartTrainingAsync(demo.TenantId, priceChampion is null, twinChampion is null, stoppingToken);
        logger.LogInformation("Training both models: workflow {InstanceId} (GET /workflows/{InstanceId}/stream for progress)", instanceId, instanceId);
        var started = DateTimeOffset.UtcNow;
        await foreach (var state in workflows.WatchAsync(instanceId, cancellationToken: stoppingToken))
        {
            // The person who started the main job watches this console: one readable line per step, beside the JSON logs.
            var step = state.ReadCustomStatusAs<WorkflowProgress>();
            Console.WriteLine($"[{DateTimeOffset.UtcNow - started:mm\\:ss}] training {state.RuntimeStatus}" +
                (step is null ? "" : $": step {step.StepNumber}/{step.StepCount} {step.Step}"));
            if (state.IsCompleted)
            {
                logger.LogInformation("Retraining workflow {InstanceId} ended {Status}", instanceId, state.RuntimeStatus);
                break;
            }
        }
    }

    /// <summary>
    /// The run that gives the tenant its champions: a retraining of the tenant already under way (a restart mid-training), else
    /// the bootstrap run, started now when it never ran. A bootstrap run that ended without leaving champions is not waited on
    /// again (a start with its id only finds it: the data folder of an earlier release keeps that run and its champions under
    /// registry keys of no tenant, and a failed run stays failed), so a new run starts under a fresh id.
    /// </summary>
    private async Task<string> StartTrainingAsync(string tenantId, bool noPriceChampion, bool noTwinChampion, CancellationToken stoppingToken)
    {
        var recent = await workflows.ListAsync(PlatformRetrainingWorkflow.Name, null, 1, 50, WorkflowAccess.Tenant(tenantId), stoppingToken);
        if (recent.Items.FirstOrDefault(run => !run.IsCompleted) is { } underWay)
        {
            logger.LogInformation("Tenant {Tenant} has no champion yet; retraining {InstanceId} is under way ({Status})",
                tenantId, underWay.InstanceId, underWay.RuntimeStatus);
            return underWay.InstanceId;
        }

        var bootstrapId = BootstrapInstanceIdFor(tenantId);
        if (await workflows.GetAsync(bootstrapId, includePayloads: false, stoppingToken) is not { IsCompleted: true } ended)
        {
            return (await retraining.StartBootstrapAsync(tenantId, "first start of the main job", stoppingToken)).InstanceId;
        }

        var missing = (noPriceChampion, noTwinChampion) switch
        {
            (true, true) => "price and twin champions",
            (true, false) => "price champion",
            _ => "twin champion",
        };
        var (instanceId, _) = await retraining.RestartBootstrapAsync(
            tenantId, $"bootstrap {bootstrapId} ended {ended.RuntimeStatus} without leaving a {missing}", DateTimeOffset.UtcNow, stoppingToken);
        logger.LogWarning(
            "Bootstrap workflow {BootstrapId} ended {Status} on {EndedAt:u}, but tenant {Tenant} has no {Missing} (a data folder of an earlier release, " +
            "whose models are not the tenant's, or a failed run): training again as workflow {InstanceId}",
            bootstrapId, ended.RuntimeStatus, ended.LastUpdatedAt, tenantId, missing, instanceId);
        return instanceId;
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var onStarted = lifetime.ApplicationStarted.Register(started.SetResult);
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
