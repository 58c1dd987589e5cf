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

    /// <summary>
    /// Runs one query scoped to the tenant in a single round trip: the scope (the same two settings as <see cref="OpenAsync"/>)
    /// goes first in one batch, so the query is planned under the tenant role and its row-level security. The reader owns the
    /// connection: disposing it returns the connection to the pool (which resets the session).
    /// </summary>
    public async Task<NpgsqlDataReader> ReadAsync(string tenantId, NpgsqlBatchCommand query, CancellationToken cancellationToken = default)
    {
        TenantId.Validate(tenantId, nameof(tenantId));
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var batch = new NpgsqlBatch(connection);
            var scope = new NpgsqlBatchCommand($"SELECT set_config('app.tenant_id', @tenant, false), set_config('role', '{TenantRole}', false)");
            scope.Parameters.AddWithValue("tenant", tenantId);
            batch.BatchCommands.Add(scope);
            batch.BatchCommands.Add(query);
            var reader = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.CloseConnection, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            return reader;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
