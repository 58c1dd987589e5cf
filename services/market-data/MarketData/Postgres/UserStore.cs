using System.Runtime.CompilerServices;
using Npgsql;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>Users of one tenant, through tenant-scoped connections.</summary>
public sealed class UserStore(TenantConnectionFactory connections)
{
    public async Task UpsertAsync(string tenantId, IEnumerable<User> users, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var user in users)
        {
            if (user.TenantId != tenantId)
            {
                throw new ArgumentException($"User '{user.UserId}' belongs to tenant '{user.TenantId}', not '{tenantId}'.", nameof(users));
            }

            var command = new NpgsqlBatchCommand($"""
                INSERT INTO users ({PostgresReaders.UserColumns}) VALUES (@tenant, @id, @name, @segment, @created)
                ON CONFLICT (tenant_id, user_id) DO UPDATE SET name = excluded.name, segment = excluded.segment
                """);
            command.Parameters.AddWithValue("tenant", user.TenantId);
            command.Parameters.AddWithValue("id", user.UserId);
            command.Parameters.AddWithValue("name", user.Name);
            command.Parameters.AddWithValue("segment", user.Segment);
            command.Parameters.AddWithValue("created", user.CreatedAt.ToUniversalTime());
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<User?> GetAsync(string tenantId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresReaders.UserColumns} FROM users WHERE tenant_id = @tenant AND user_id = @id", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? PostgresReaders.ReadUser(reader) : null;
    }

    public async IAsyncEnumerable<User> StreamAsync(string tenantId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresReaders.UserColumns} FROM users WHERE tenant_id = @tenant ORDER BY user_id", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresReaders.ReadUser(reader);
        }
    }

    /// <summary>The ids among <paramref name="ids"/> that name users of the tenant.</summary>
    public Task<IReadOnlySet<string>> ExistingIdsAsync(string tenantId, IEnumerable<string> ids, CancellationToken cancellationToken = default) =>
        ExistingIds.ReadAsync(connections, tenantId, "users", "user_id", ids, cancellationToken);

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM users WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
