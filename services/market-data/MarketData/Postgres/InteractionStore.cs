using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>Interaction events of one tenant. Inserts are idempotent by event id, so redelivered events are harmless.</summary>
public sealed class InteractionStore(TenantConnectionFactory connections)
{
    /// <summary>The bounded history read of <see cref="RecentByUserAsync"/> (its plan is checked by the tests).</summary>
    internal const string RecentByUserSql = $"""
        SELECT {PostgresReaders.InteractionColumns} FROM interactions
        WHERE tenant_id = @tenant AND user_id = @user
        ORDER BY occurred_at DESC, event_id DESC
        LIMIT @limit
        """;

    /// <summary>
    /// Inserts the events not stored yet (one statement over arrays); returns how many were new. An event id already stored
    /// with other content (user, property, kind, or time) is not a redelivery: the whole batch is rolled back and
    /// <see cref="EventIdConflictException"/> names those ids.
    /// </summary>
    public Task<int> InsertBatchAsync(string tenantId, IReadOnlyList<Interaction> interactions, CancellationToken cancellationToken = default) =>
        InsertBatchAsync(tenantId, interactions, timesGiven: null, cancellationToken);

    /// <inheritdoc cref="InsertBatchAsync(string, IReadOnlyList{Interaction}, CancellationToken)"/>
    /// <param name="timesGiven">
    /// Per interaction, whether its time came from the caller (null: all did). A time the ingester filled in ("now") differs on
    /// every redelivery, so only given times take part in the comparison.
    /// </param>
    public async Task<int> InsertBatchAsync(
        string tenantId, IReadOnlyList<Interaction> interactions, IReadOnlyList<bool>? timesGiven, CancellationToken cancellationToken = default)
    {
        if (interactions.Count == 0)
        {
            return 0;
        }

        if (timesGiven is not null && timesGiven.Count != interactions.Count)
        {
            throw new ArgumentException("One flag per interaction is needed.", nameof(timesGiven));
        }

        foreach (var interaction in interactions)
        {
            if (interaction.TenantId != tenantId)
            {
                throw new ArgumentException($"Interaction '{interaction.EventId}' belongs to tenant '{interaction.TenantId}', not '{tenantId}'.", nameof(interactions));
            }
        }

        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO interactions ({PostgresReaders.InteractionColumns})
            SELECT @tenant, e, u, p, k, o FROM unnest(@events, @users, @properties, @kinds, @times) AS t(e, u, p, k, o)
            ON CONFLICT (tenant_id, event_id) DO NOTHING
            """, connection, transaction);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("events", interactions.Select(i => i.EventId).ToArray());
        command.Parameters.AddWithValue("users", interactions.Select(i => i.UserId).ToArray());
        command.Parameters.AddWithValue("properties", interactions.Select(i => i.PropertyId).ToArray());
        command.Parameters.AddWithValue("kinds", interactions.Select(i => i.Kind.ToWireName()).ToArray());
        command.Parameters.Add(new NpgsqlParameter("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = interactions.Select(i => i.OccurredAt.UtcDateTime).ToArray(),
        });
        var stored = await command.ExecuteNonQueryAsync(cancellationToken);

        // Every event of the batch is in the table now (new or old); any that differs from its stored row reuses an id. An
        // event repeated inside the batch with other content is caught the same way, against the copy just inserted.
        await using var check = new NpgsqlCommand("""
            SELECT DISTINCT t.e FROM unnest(@events, @users, @properties, @kinds, @times, @timed) AS t(e, u, p, k, o, timed)
            JOIN interactions i ON i.tenant_id = @tenant AND i.event_id = t.e
            WHERE i.user_id <> t.u OR i.property_id <> t.p OR i.kind <> t.k OR (t.timed AND i.occurred_at <> t.o)
            ORDER BY t.e
            """, connection, transaction);
        foreach (NpgsqlParameter parameter in command.Parameters)
        {
            check.Parameters.Add(parameter.Clone());
        }

        check.Parameters.AddWithValue("timed", timesGiven?.ToArray() ?? [.. interactions.Select(_ => true)]);
        var conflicting = new List<string>();
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                conflicting.Add(reader.GetString(0));
            }
        }

        if (conflicting.Count > 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw new EventIdConflictException(tenantId, conflicting);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>A user's interactions, oldest first.</summary>
    public IAsyncEnumerable<Interaction> ListByUserAsync(string tenantId, string userId, CancellationToken cancellationToken = default) =>
        QueryAsync(tenantId, "user_id = @arg ORDER BY occurred_at, event_id", userId, cancellationToken);

    /// <summary>
    /// The user's most recent <paramref name="limit"/> interactions, returned oldest first: one round trip and one backward range
    /// scan of <c>interactions_recent_by_user</c> that stops after <paramref name="limit"/> rows, so the cost stays flat however
    /// long the history grows.
    /// </summary>
    public async Task<IReadOnlyList<Interaction>> RecentByUserAsync(string tenantId, string userId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var query = new NpgsqlBatchCommand(RecentByUserSql);
        query.Parameters.AddWithValue("tenant", tenantId);
        query.Parameters.AddWithValue("user", userId);
        query.Parameters.AddWithValue("limit", limit);
        var recent = new List<Interaction>(Math.Min(limit, 256));
        await using (var reader = await connections.ReadAsync(tenantId, query, cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                recent.Add(PostgresReaders.ReadInteraction(reader));
            }
        }

        recent.Reverse();
        return recent;
    }

    /// <summary>
    /// The tenant's most interacted-with property ids, each interaction counted with the weight of its kind (a kind missing from
    /// <paramref name="weights"/> counts 0), best first, ties by id.
    /// </summary>
    public async Task<IReadOnlyList<string>> PopularPropertyIdsAsync(
        string tenantId, IReadOnlyDictionary<InteractionKind, double> weights, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT i.property_id FROM interactions i LEFT JOIN unnest(@kinds, @weights) AS w(kind, weight) ON w.kind = i.kind
            WHERE i.tenant_id = @tenant
            GROUP BY i.property_id
            ORDER BY coalesce(sum(w.weight), 0) DESC, i.property_id
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("kinds", weights.Keys.Select(k => k.ToWireName()).ToArray());
        command.Parameters.AddWithValue("weights", weights.Values.ToArray());
        command.Parameters.AddWithValue("limit", limit);
        var ids = new List<string>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Interactions at or after <paramref name="since"/>, oldest first (for incremental training).</summary>
    public IAsyncEnumerable<Interaction> ListSinceAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        QueryAsync(tenantId, "occurred_at >= @arg ORDER BY occurred_at, event_id", since.ToUniversalTime(), cancellationToken);

    /// <summary>Interactions at or after <paramref name="since"/>, grouped by user (ordinal id order), each user's oldest first.</summary>
    public async Task<IReadOnlyList<Interaction>> ListSinceByUserAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var list = new List<Interaction>();
        await foreach (var interaction in ListSinceAsync(tenantId, since, cancellationToken))
        {
            list.Add(interaction);
        }

        // Sorted here rather than in SQL: ordinal order does not depend on the database's collation.
        return [.. list.OrderBy(i => i.UserId, StringComparer.Ordinal).ThenBy(i => i.OccurredAt).ThenBy(i => i.EventId, StringComparer.Ordinal)];
    }

    /// <summary>When the tenant's newest interaction happened, or null when it has none.</summary>
    public async Task<DateTimeOffset?> NewestAtAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await connections.OpenAsync(tenantId, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT max(occurred_at) FROM interactions WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime newest
            ? new DateTimeOffset(DateTime.SpecifyKind(newest, DateTimeKind.Utc))
            : null;
    }

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

/// <summary>Event ids already stored with other content: a reused id, not a redelivery (nothing of the batch was stored).</summary>
public sealed class EventIdConflictException(string tenantId, IReadOnlyList<string> eventIds)
    : Exception($"Event id(s) {string.Join(", ", eventIds.Take(5).Select(id => $"'{id}'"))} of tenant '{tenantId}' are already stored with other content.")
{
    public IReadOnlyList<string> EventIds { get; } = eventIds;
}
