using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>Interaction events of one tenant. Inserts are idempotent by event id, so redelivered events are harmless.</summary>
public sealed class InteractionStore(TenantConnectionFactory connections)
{
    /// <summary>Inserts the events not stored yet (one statement over arrays); returns how many were new.</summary>
    public async Task<int> InsertBatchAsync(string tenantId, IReadOnlyList<Interaction> interactions, CancellationToken cancellationToken = default)
    {
        if (interactions.Count == 0)
        {
            return 0;
        }

        foreach (var interaction in interactions)
        {
            if (interaction.TenantId != tenantId)
            {
                throw new ArgumentException($"Interaction '{interaction.EventId}' belongs to tenant '{interaction.TenantId}', not '{tenantId}'.", nameof(interactions));
            }
        }

        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO interactions ({PostgresReaders.InteractionColumns})
            SELECT @tenant, e, u, p, k, o FROM unnest(@events, @users, @properties, @kinds, @times) AS t(e, u, p, k, o)
            ON CONFLICT (tenant_id, event_id) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("events", interactions.Select(i => i.EventId).ToArray());
        command.Parameters.AddWithValue("users", interactions.Select(i => i.UserId).ToArray());
        command.Parameters.AddWithValue("properties", interactions.Select(i => i.PropertyId).ToArray());
        command.Parameters.AddWithValue("kinds", interactions.Select(i => i.Kind.ToWireName()).ToArray());
        command.Parameters.Add(new NpgsqlParameter("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = interactions.Select(i => i.OccurredAt.UtcDateTime).ToArray(),
        });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A user's interactions, oldest first.</summary>
    public IAsyncEnumerable<Interaction> ListByUserAsync(string tenantId, string userId, CancellationToken cancellationToken = default) =>
        QueryAsync(tenantId, "user_id = @arg ORDER BY occurred_at, event_id", userId, cancellationToken);

    /// <summary>Interactions at or after <paramref name="since"/>, oldest first (for incremental training).</summary>
    public IAsyncEnumerable<Interaction> ListSinceAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        QueryAsync(tenantId, "occurred_at >= @arg ORDER BY occurred_at, event_id", since.ToUniversalTime(), cancellationToken);

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM interactions WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async IAsyncEnumerable<Interaction> QueryAsync(string tenantId, string condition, object argument,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {PostgresReaders.InteractionColumns} FROM interactions WHERE tenant_id = @tenant AND {condition}", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("arg", argument);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return PostgresReaders.ReadInteraction(reader);
        }
    }
}
