using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Platform.BuildingBlocks.Hosting;

/// <summary>
/// Start-up check of the connection the services use: a host refuses to start on a role that could bypass row-level
/// security (a superuser, BYPASSRLS, a role that may <c>SET ROLE</c> to one of those or to the owner) or that owns the
/// schema while a separate owner connection is configured. Registered first, so nothing serves on such a connection.
/// </summary>
public sealed class PostgresServiceRoleCheck(NpgsqlDataSource dataSource, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var owner = services.GetKeyedService<NpgsqlDataSource>(PlatformBuildingBlocksExtensions.OwnerDataSourceKey);
        var ownerRole = owner is null ? null : new NpgsqlConnectionStringBuilder(owner.ConnectionString).Username;
        var problems = await ProblemsAsync(dataSource, ownerRole, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{PlatformBuildingBlocksExtensions.ConnectionStringName} must connect as the least-privilege service role " +
                $"(e.g. platform_app), with migrations on ConnectionStrings:{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}: " +
                string.Join("; ", problems) + ".");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>What makes the connection's role unfit to serve; empty when it is fit.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(NpgsqlDataSource dataSource, string? ownerRole, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT current_user::text,
                   r.rolsuper,
                   r.rolbypassrls,
                   (SELECT string_agg(o.rolname, ', ' ORDER BY o.rolname) FROM pg_roles o
                    WHERE o.oid <> r.oid AND (o.rolsuper OR o.rolbypassrls OR o.rolname = $1) AND pg_has_role(r.oid, o.oid, 'MEMBER')),
                   (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = r.oid AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema')
            FROM pg_roles r WHERE r.rolname = current_user
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ownerRole ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var role = reader.GetString(0);
        var problems = new List<string>();
        if (reader.GetBoolean(1))
        {
            problems.Add($"role '{role}' is a superuser");
        }

        if (reader.GetBoolean(2))
        {
            problems.Add($"role '{role}' has BYPASSRLS");
        }

        if (!reader.IsDBNull(3))
        {
            problems.Add($"role '{role}' can SET ROLE to {reader.GetString(3)}");
        }

        if (ownerRole is not null && ownerRole != role && reader.GetInt64(4) > 0)
        {
            problems.Add($"role '{role}' owns {reader.GetInt64(4)} relation(s), which the owner role '{ownerRole}' should own");
        }

        if (ownerRole == role)
        {
            problems.Add($"the owner connection uses the same role '{role}'");
        }

        return problems;
    }
}
