using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Platform.BuildingBlocks.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// The audit log in PostgreSQL (<see cref="PostgresAuditLog"/>), in every runtime: PostgreSQL is always there, and the
    /// table is part of the platform schema. Needs an <see cref="NpgsqlDataSource"/>; safe to call more than once.
    /// </summary>
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
