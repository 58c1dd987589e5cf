using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Dapr;
using Platform.BuildingBlocks.Registry;

namespace Platform.BuildingBlocks.Hosting;

/// <summary>How the building blocks are provided: in process (default) or by a Dapr sidecar.</summary>
public enum PlatformRuntime
{
    Embedded,
    Dapr,
}

public static class PlatformBuildingBlocksExtensions
{
    public const string ConnectionStringName = "Postgres";
    public const string ConnectionStringEnvironmentVariable = "PLATFORM_POSTGRES";

    /// <summary>
    /// The migration owner's connection (<c>ConnectionStrings:PostgresOwner</c>, or <see cref="OwnerConnectionStringEnvironmentVariable"/>):
    /// a connection string whose keys replace the service connection's, so <c>Username=...;Password=...</c> is enough.
    /// </summary>
    public const string OwnerConnectionStringName = "PostgresOwner";
    public const string OwnerConnectionStringEnvironmentVariable = "PLATFORM_POSTGRES_OWNER";

    /// <summary>DI key of the owner's <see cref="NpgsqlDataSource"/>, registered only when an owner connection is configured.</summary>
    public const string OwnerDataSourceKey = "postgres-owner";

    /// <summary>
    /// PostgreSQL (always needed: an <see cref="NpgsqlDataSource"/>) and the ports' adapters for the configured runtime
    /// (<c>Platform:Runtime</c>), and the audit log (PostgreSQL in both). Domain schemas are not the building blocks' business: a service that uses market data
    /// adds it (and its migrations) with <c>AddMarketData()</c>.
    /// The services' data source connects as the least-privilege service role (checked at start-up); schema changes
    /// (migrations, the state store's and the workflow sidecar's tables) use the owner's, keyed <see cref="OwnerDataSourceKey"/>.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformBuildingBlocks(this IHostApplicationBuilder builder)
    {
        var connectionString = ResolveConnectionString(builder.Configuration)
            ?? throw new InvalidOperationException(
                $"No PostgreSQL connection string: set ConnectionStrings:{ConnectionStringName} or {ConnectionStringEnvironmentVariable}.");
        builder.Services.TryAddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        if (ResolveOwnerConnectionString(builder.Configuration, connectionString) is { } owner)
        {
            builder.Services.TryAddKeyedSingleton(OwnerDataSourceKey, (_, _) => NpgsqlDataSource.Create(owner));
        }

        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService, PostgresServiceRoleCheck>());

        builder.Services.AddAuditLog();

        switch (RuntimeOf(builder.Configuration))
        {
            case PlatformRuntime.Dapr:
                builder.Services.TryAddSingleton(TimeProvider.System);
                builder.Services.AddDaprBuildingBlocks(builder.Configuration);
                builder.Services.TryAddSingleton<ModelRegistry>();
                break;
            default:
                builder.Services.AddEmbeddedBuildingBlocks(builder.Configuration);
                break;
        }

        return builder;
    }

    /// <summary>Under Dapr: the app-token check and the topic routes the sidecar delivers to. Embedded: nothing to map.</summary>
    public static WebApplication UsePlatformBuildingBlocks(this WebApplication app)
    {
        if (RuntimeOf(app.Configuration) == PlatformRuntime.Dapr)
        {
            app.UseDaprBuildingBlocks();
        }

        return app;
    }

    public static PlatformRuntime RuntimeOf(IConfiguration configuration) =>
        Enum.TryParse<PlatformRuntime>(configuration["Platform:Runtime"], ignoreCase: true, out var runtime) ? runtime : PlatformRuntime.Embedded;

    /// <summary>
    /// The owner connection: the configured owner setting applied over <paramref name="serviceConnectionString"/>, or null when
    /// none is configured (then migrations run on the service connection, for a deployment where one non-superuser role does both).
    /// </summary>
    public static string? ResolveOwnerConnectionString(IConfiguration configuration, string serviceConnectionString)
    {
        var setting = configuration.GetConnectionString(OwnerConnectionStringName) is { Length: > 0 } configured
            ? configured
            : Environment.GetEnvironmentVariable(OwnerConnectionStringEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(setting))
        {
            return null;
        }

        var owner = new NpgsqlConnectionStringBuilder(serviceConnectionString);
        foreach (var (key, value) in new NpgsqlConnectionStringBuilder(setting))
        {
            owner[key] = value;
        }

        return owner.ConnectionString;
    }

    public static string? ResolveConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } configured
            ? configured
            : Environment.GetEnvironmentVariable(ConnectionStringEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
}
