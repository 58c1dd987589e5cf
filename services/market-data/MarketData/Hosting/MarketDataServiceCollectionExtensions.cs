using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.MarketData.Postgres;

namespace Platform.MarketData.Hosting;

public static class MarketDataServiceCollectionExtensions
{
    /// <summary>
    /// The market-data schema and its tenant-scoped access for a host whose services read or write market data: the
    /// migrations run at start-up (before the hosted services registered after this call), and the row-level secured
    /// connection factory and stores are shared singletons. Needs an <c>NpgsqlDataSource</c> (the building blocks register
    /// it); safe to call from several modules of one host.
    /// </summary>
    public static IHostApplicationBuilder AddMarketData(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Migrations run on the owner's connection where the host has one (the building blocks register it under this key).
        services.TryAddSingleton(sp => new PlatformDatabase(
            sp.GetKeyedService<NpgsqlDataSource>(PostgresRoles.OwnerDataSourceKey) ?? sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>());

        services.TryAddSingleton<TenantConnectionFactory>();
        services.TryAddSingleton<TenantStore>();
        services.TryAddSingleton<PropertyStore>();
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<InteractionStore>();
        services.TryAddSingleton<TransactionStore>();
        return builder;
    }
}
