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
    /// PostgreSQL (always needed: an <see cref="NpgsqlDataSource"/>) and the ports' adapters for the configured runtime
    /// (<c>Platform:Runtime</c>), and the audit log (PostgreSQL in both). Domain schemas are not the building blocks' business: a service that uses market data
    /// adds it (and its migrations) with <c>AddMarketData()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformBuildingBlocks(this IHostApplicationBuilder builder)
    {
        var connectionString = ResolveConnectionString(builder.Configuration)
            ?? throw new InvalidOperationException(
                $"No PostgreSQL connection string: set ConnectionStrings:{ConnectionStringName} or {ConnectionStringEnvironmentVariable}.");
        builder.Services.TryAddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
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

    public static string? ResolveConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } configured
            ? configured
            : Environment.GetEnvironmentVariable(ConnectionStringEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
}
