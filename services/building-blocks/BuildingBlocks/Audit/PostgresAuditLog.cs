using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Audit;

/// <summary>
/// The audit log in PostgreSQL: the append-only <c>audit_log</c> table of the platform schema (migration 0008, which also
/// refuses UPDATE, DELETE and TRUNCATE to every role). Platform-wide by design, so it uses the plain data source rather than a
/// tenant-scoped connection: the admin route reads across tenants, and rows carry their tenant as data.
/// </summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource, TimeProvider time) : IAuditLog
{
    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };

    public async Task<AuditEntry> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!AuditActions.IsValid(record.Action))
        {
            throw new ArgumentException($"'{record.Action}' is not an audit action (lower-case, dotted, at most 64 characters).", nameof(record));
        }

        var identity = AuditText.Clean(record.Identity, AuditText.MaxIdentityLength) is { Length: > 0 } cleaned ? cleaned : AuditIdentity.Anonymous;
        var tenantId = TenantScope.IsValidId(record.TenantId) ? record.TenantId : null;
        var target = AuditText.Clean(record.Target, AuditText.MaxTargetLength);
        var detail = record.Detail is { Count: > 0 } given ? JsonSerializer.SerializeToElement(given, DetailJson) : (JsonElement?)null;
        var occurredAt = time.GetUtcNow();

        await using var command = dataSource.CreateCommand("""
            INSERT INTO audit_log (occurred_at, identity, tenant_id, action, target, outcome, status_code, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = occurredAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = identity });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)tenantId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Action });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = OutcomeName(record.Outcome) });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)record.StatusCode ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = detail is { } json ? json.GetRawText() : DBNull.Value });
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return new AuditEntry(id, occurredAt, identity, tenantId, record.Action, target, record.Outcome, record.StatusCode, detail);
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit, nameof(query));

        // One row more than asked tells whether another page follows.
        await using var command = dataSource.CreateCommand("""
            SELECT id, occurred_at, identity, tenant_id, action, target, outcome, status_code, detail
            FROM audit_log
            WHERE ($1::text IS NULL OR tenant_id = $1)
              AND ($2::text IS NULL OR action = $2 OR starts_with(action, $2 || '.'))
              AND ($3::timestamptz IS NULL OR occurred_at >= $3)
              AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)query.TenantId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)query.Action ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)query.Since?.ToUniversalTime() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)query.Before ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });

        var entries = new List<AuditEntry>(Math.Min(query.Limit + 1, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                ParseOutcome(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetInt32(7),
                reader.IsDBNull(8) ? null : ParseDetail(reader.GetString(8))));
        }

        if (entries.Count <= query.Limit)
        {
            return new AuditPage(entries, null);
        }

        entries.RemoveAt(entries.Count - 1);
        return new AuditPage(entries, entries[^1].Id);
    }

    private static JsonElement ParseDetail(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static string OutcomeName(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Succeeded => "succeeded",
        AuditOutcome.Rejected => "rejected",
        _ => "failed",
    };

    private static AuditOutcome ParseOutcome(string name) => name switch
    {
        "succeeded" => AuditOutcome.Succeeded,
        "rejected" => AuditOutcome.Rejected,
        _ => AuditOutcome.Failed,
    };
}
