using Npgsql;
using NpgsqlTypes;

namespace Platform.BuildingBlocks.StateStore;

/// <summary>
/// The embedded state store: one PostgreSQL table, ETags drawn from a sequence so that every write gets a fresh,
/// never-reused tag (first-write-wins like Dapr's <c>state.postgresql</c>). It holds platform-wide state (registry
/// pointers, workflow state, caches), keyed like Dapr's and reached by the service role only: a tenant-scoped session
/// (<c>platform_tenant</c>) has no grant on it. The table is created on first use by <paramref name="schemaOwner"/> when
/// given (the database owner, which then grants <paramref name="dataSource"/>'s role its use), else on <paramref name="dataSource"/>.
/// </summary>
public sealed class PostgresStateStore(NpgsqlDataSource dataSource, string table = "state_store", NpgsqlDataSource? schemaOwner = null) : IStateStore
{
    private readonly string _table = ValidateIdentifier(table);
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public async Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand($"SELECT value, etag FROM {_table} WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new StateEntry(key, reader.GetFieldValue<byte[]>(0), reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task<string> SaveAsync(string key, byte[] value, string? etag = null, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return (await ApplyAsync(connection, null, StateOperation.Upsert(key, value, etag), cancellationToken).ConfigureAwait(false))!;
    }

    public async Task DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ApplyAsync(connection, null, StateOperation.Delete(key, etag), cancellationToken).ConfigureAwait(false);
    }

    public async Task ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var operation in operations)
        {
            await ApplyAsync(connection, transaction, operation, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        // starts_with keeps '%' and '_' in keys literal, unlike LIKE.
        await using var command = dataSource.CreateCommand($"SELECT key FROM {_table} WHERE starts_with(key, $1) ORDER BY key COLLATE \"C\"");
        command.Parameters.Add(new NpgsqlParameter { Value = prefix });
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private async Task<string?> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, StateOperation operation, CancellationToken cancellationToken)
    {
        var expected = ParseETag(operation);
        string sql = (operation.Value, expected) switch
        {
            (null, null) => $"DELETE FROM {_table} WHERE key = $1 RETURNING 0",
            (null, _) => $"DELETE FROM {_table} WHERE key = $1 AND etag = $3 RETURNING 0",
            (_, null) => $"""
                INSERT INTO {_table} (key, value, etag, updated_at) VALUES ($1, $2, nextval('{_table}_etag'), now())
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at
                RETURNING etag
                """,
            _ => $"UPDATE {_table} SET value = $2, etag = nextval('{_table}_etag'), updated_at = now() WHERE key = $1 AND etag = $3 RETURNING etag",
        };

        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = operation.Key });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)operation.Value ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)expected ?? DBNull.Value });
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (result is null && expected is not null)
        {
            throw new StateConcurrencyException(operation.Key);
        }

        return operation.Value is null ? null : Convert.ToString(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long? ParseETag(StateOperation operation)
    {
        if (operation.ETag is null)
        {
            return null;
        }

        // A tag this store never issued can never match.
        return long.TryParse(operation.ETag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tag)
            ? tag
            : throw new StateConcurrencyException(operation.Key);
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady && !await ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                var creator = schemaOwner ?? dataSource;
                var user = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Username;
                var grant = schemaOwner is not null && user is not null && user != new NpgsqlConnectionStringBuilder(creator.ConnectionString).Username
                    ? $"""
                        GRANT SELECT, INSERT, UPDATE, DELETE ON {_table} TO "{user.Replace("\"", "\"\"", StringComparison.Ordinal)}";
                        GRANT USAGE, SELECT, UPDATE ON SEQUENCE {_table}_etag TO "{user.Replace("\"", "\"\"", StringComparison.Ordinal)}";
                        """
                    : "";
                await using var command = creator.CreateCommand($"""
                    SELECT pg_advisory_xact_lock(hashtext('{_table}'));
                    CREATE SEQUENCE IF NOT EXISTS {_table}_etag;
                    CREATE TABLE IF NOT EXISTS {_table} (
                        key        text PRIMARY KEY,
                        value      bytea NOT NULL,
                        etag       bigint NOT NULL,
                        updated_at timestamptz NOT NULL
                    );
                    {grant}
                    """);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>Whether the table is there already: a role without the right to create tables must not try to.</summary>
    private async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = _table });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string ValidateIdentifier(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_][a-z0-9_]{0,40}$")
            ? name
            : throw new ArgumentException($"'{name}' is not a valid table name.", nameof(name));
}
