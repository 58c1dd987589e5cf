using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>
/// Opens connections scoped to one tenant: <c>SET ROLE platform_tenant</c> makes the row-level security policies
/// apply, and <c>app.tenant_id</c> names the tenant they admit. Npgsql resets the session (DISCARD ALL: role and
/// settings) when the connection returns to the pool, so a pooled connection never leaks one tenant's scope to the
/// next user; the constructor refuses data sources that turn that reset off.
/// </summary>
public sealed class TenantConnectionFactory
{
    public const string TenantRole = "platform_tenant";

    private readonly NpgsqlDataSource _dataSource;

    public TenantConnectionFactory(NpgsqlDataSource dataSource)
    {
        if (new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).NoResetOnClose)
        {
            throw new ArgumentException("Tenant-scoped connections need the pool's session reset; remove 'No Reset On Close' from the connection string.", nameof(dataSource));
        }

        _dataSource = dataSource;
    }

    public async Task<NpgsqlConnection> OpenAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        TenantId.Validate(tenantId, nameof(tenantId));
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var scope = new NpgsqlCommand($"SELECT set_config('app.tenant_id', @tenant, false); SET ROLE {TenantRole}", connection);
            scope.Parameters.AddWithValue("tenant", tenantId);
            await scope.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
