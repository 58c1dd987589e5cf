using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>Tenants are created by the owner connection (tenant-scoped roles may only read their own row).</summary>
public sealed class TenantStore(NpgsqlDataSource ownerDataSource)
{
    /// <summary>Creates the tenant if missing; returns true when it was created.</summary>
    public async Task<bool> EnsureAsync(string tenantId, string? name = null, CancellationToken cancellationToken = default)
    {
        TenantId.Validate(tenantId, nameof(tenantId));
        await using var command = ownerDataSource.CreateCommand(
            "INSERT INTO tenants (tenant_id, name) VALUES (@tenant, @name) ON CONFLICT (tenant_id) DO NOTHING");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("name", name ?? tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> ExistsAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = ownerDataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM tenants WHERE tenant_id = @tenant)");
        command.Parameters.AddWithValue("tenant", tenantId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
