using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>Which of a set of ids a tenant table holds: one indexed lookup over an array, for checking a batch's references.</summary>
internal static class ExistingIds
{
    public static async Task<IReadOnlySet<string>> ReadAsync(
        TenantConnectionFactory connections, string tenantId, string table, string idColumn, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct(StringComparer.Ordinal).ToArray();
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (wanted.Length == 0)
        {
            return found;
        }

        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        // Table and column are the callers' constants, never input.
        await using var command = new NpgsqlCommand($"SELECT {idColumn} FROM {table} WHERE tenant_id = @tenant AND {idColumn} = ANY(@ids)", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("ids", wanted);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }
}
