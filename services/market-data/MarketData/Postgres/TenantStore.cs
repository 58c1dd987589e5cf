using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>
/// The tenant directory. A tenant registers through a session scoped to itself (the policy admits only its own row);
/// whether one exists is read from the directory, which the service role sees whole (ids and names, no tenant data).
/// </summary>
public sealed class TenantStore(NpgsqlDataSource dataSource)
{
    private readonly TenantConnectionFactory _tenants = new(dataSource);

    /// <summary>Creates the tenant if missing; returns true when it was created.</summary>
    public async Task<bool> EnsureAsync(string tenantId, string? name = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _tenants.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            "INSERT INTO tenants (tenant_id, name) VALUES (@tenant, @name) ON CONFLICT (tenant_id) DO NOTHING", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("name", name ?? tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> ExistsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM tenants WHERE tenant_id = @tenant)");
        command.Parameters.AddWithValue("tenant", tenantId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
