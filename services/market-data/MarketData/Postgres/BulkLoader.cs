using Npgsql;
using NpgsqlTypes;
using Platform.MarketData.Domain;

namespace Platform.MarketData.Postgres;

/// <summary>
/// Loads large row streams with binary COPY, scoped to the tenant being loaded (<see cref="TenantConnectionFactory"/>):
/// every row's tenant id is checked here for a clear error, and the database checks it again. PostgreSQL refuses
/// COPY FROM into a table whose row-level security applies to the session (and every tenant table forces it), so the
/// rows are copied into a temporary staging table and moved with one INSERT ... SELECT, which the policies' WITH CHECK
/// guards: a row of another tenant fails the whole load. Rows are streamed: memory stays flat for millions of rows.
/// </summary>
public sealed class BulkLoader(NpgsqlDataSource dataSource)
{
    private readonly TenantConnectionFactory _tenants = new(dataSource);

    public Task<long> LoadPropertiesAsync(string tenantId, IEnumerable<Property> properties, CancellationToken cancellationToken = default) =>
        CopyAsync(tenantId, "properties", PostgresReaders.PropertyColumns, properties, p => p.TenantId, p => p.PropertyId, static async (w, p, ct) =>
        {
            await w.WriteAsync(p.TenantId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(p.PropertyId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(p.PropertyType, NpgsqlDbType.Text, ct);
            await w.WriteAsync(p.Municipality, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(w, p.ZipCode, NpgsqlDbType.Text, ct);
            await w.WriteAsync(p.Latitude, NpgsqlDbType.Double, ct);
            await w.WriteAsync(p.Longitude, NpgsqlDbType.Double, ct);
            await w.WriteAsync(p.UsableArea, NpgsqlDbType.Double, ct);
            await WriteNullableAsync(w, p.TotalArea, NpgsqlDbType.Double, ct);
            await WriteNullableAsync(w, p.LotSize, NpgsqlDbType.Double, ct);
            await w.WriteAsync(p.Rooms, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(p.Bedrooms, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(p.Bathrooms, NpgsqlDbType.Integer, ct);
            await WriteNullableAsync(w, p.Floor, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(p.YearBuilt, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(p.Condition, NpgsqlDbType.Integer, ct);
            await WriteNullableAsync(w, p.ListingPrice, NpgsqlDbType.Double, ct);
            await w.WriteAsync(p.Status, NpgsqlDbType.Text, ct);
            await w.WriteAsync(p.DaysOnMarket, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(p.ListedAt, NpgsqlDbType.Date, ct);
            await WriteNullableAsync(w, p.MonthlyRent, NpgsqlDbType.Double, ct);
        }, cancellationToken);

    public Task<long> LoadSalesAsync(string tenantId, IEnumerable<Sale> sales, CancellationToken cancellationToken = default) =>
        CopyAsync(tenantId, "transactions", PostgresReaders.SaleColumns, sales, s => s.TenantId, s => s.TransactionId, static async (w, s, ct) =>
        {
            await w.WriteAsync(s.TenantId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(s.TransactionId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(s.PropertyId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(s.SoldPrice, NpgsqlDbType.Double, ct);
            await w.WriteAsync(s.SoldAt, NpgsqlDbType.Date, ct);
        }, cancellationToken);

    public Task<long> LoadUsersAsync(string tenantId, IEnumerable<User> users, CancellationToken cancellationToken = default) =>
        CopyAsync(tenantId, "users", PostgresReaders.UserColumns, users, u => u.TenantId, u => u.UserId, static async (w, u, ct) =>
        {
            await w.WriteAsync(u.TenantId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(u.UserId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(u.Name, NpgsqlDbType.Text, ct);
            await w.WriteAsync(u.Segment, NpgsqlDbType.Text, ct);
            await w.WriteAsync(u.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
        }, cancellationToken);

    public Task<long> LoadInteractionsAsync(string tenantId, IEnumerable<Interaction> interactions, CancellationToken cancellationToken = default) =>
        CopyAsync(tenantId, "interactions", PostgresReaders.InteractionColumns, interactions, i => i.TenantId, i => i.EventId, static async (w, i, ct) =>
        {
            await w.WriteAsync(i.TenantId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(i.EventId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(i.UserId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(i.PropertyId, NpgsqlDbType.Text, ct);
            await w.WriteAsync(i.Kind.ToWireName(), NpgsqlDbType.Text, ct);
            await w.WriteAsync(i.OccurredAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
        }, cancellationToken);

    /// <summary>
    /// Replaces the tenant's rows of one imported dataset in a single transaction: a re-import of a corrected file never
    /// leaves the old and new rows mixed, and a failed one leaves the previous import in place.
    /// </summary>
    public async Task<long> ReplaceImportedSalesAsync(string tenantId, string dataset, IEnumerable<ImportedSale> sales,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await _tenants.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = new NpgsqlCommand("DELETE FROM imported_sales WHERE tenant_id = @tenant AND dataset = @dataset", connection, transaction))
        {
            delete.Parameters.AddWithValue("tenant", tenantId);
            delete.Parameters.AddWithValue("dataset", dataset);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        var count = await CopyAsync(connection, transaction, "imported_sales",
            "tenant_id, dataset, line, record_id, price, sold_at, segment, latitude, longitude, attributes", sales,
            sale => sale.TenantId == tenantId && sale.Dataset == dataset
                ? null
                : $"imported sale at line {sale.Line} belongs to '{sale.TenantId}/{sale.Dataset}', not '{tenantId}/{dataset}'.",
            static async (w, sale, ct) =>
            {
                await w.WriteAsync(sale.TenantId, NpgsqlDbType.Text, ct);
                await w.WriteAsync(sale.Dataset, NpgsqlDbType.Text, ct);
                await w.WriteAsync(sale.Line, NpgsqlDbType.Integer, ct);
                await WriteNullableAsync(w, sale.RecordId, NpgsqlDbType.Text, ct);
                await w.WriteAsync(sale.Price, NpgsqlDbType.Double, ct);
                await WriteNullableAsync(w, sale.SoldAt, NpgsqlDbType.Date, ct);
                await WriteNullableAsync(w, sale.Segment, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(w, sale.Latitude, NpgsqlDbType.Double, ct);
                await WriteNullableAsync(w, sale.Longitude, NpgsqlDbType.Double, ct);
                await w.WriteAsync(sale.AttributesJson, NpgsqlDbType.Jsonb, ct);
            }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>Deletes every row of <paramref name="tenantId"/> (children first); the tenant row itself stays.</summary>
    public async Task DeleteTenantDataAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _tenants.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in new[] { "interactions", "transactions", "users", "properties", "imported_sales" })
        {
            await using var command = new NpgsqlCommand($"DELETE FROM {table} WHERE tenant_id = @tenant", connection, transaction);
            command.Parameters.AddWithValue("tenant", tenantId);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<long> CopyAsync<T>(string tenantId, string table, string columns, IEnumerable<T> rows,
        Func<T, string> tenantOf, Func<T, string> idOf, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> writeRow,
        CancellationToken cancellationToken)
    {
        await using var connection = await _tenants.OpenAsync(tenantId, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var count = await CopyAsync(connection, transaction, table, columns, rows,
            row => tenantOf(row) == tenantId ? null : $"{table} row '{idOf(row)}' has tenant_id '{tenantOf(row)}' but this load is for tenant '{tenantId}'.",
            writeRow, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>
    /// Copies the rows into the table inside the caller's transaction (through a staging table, see the class summary);
    /// <paramref name="refusal"/> says why a row does not belong to this load, which fails it before anything is moved.
    /// </summary>
    private static async Task<long> CopyAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string columns,
        IEnumerable<T> rows, Func<T, string?> refusal, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> writeRow, CancellationToken cancellationToken)
    {
        await CreateStagingAsync(connection, transaction, table, cancellationToken);
        long count = 0;
        await using (var importer = await connection.BeginBinaryImportAsync($"COPY {StagingOf(table)} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in rows)
            {
                if (refusal(row) is { } reason)
                {
                    throw new ArgumentException(reason, nameof(rows));
                }

                await importer.StartRowAsync(cancellationToken);
                await writeRow(importer, row, cancellationToken);
                count++;
            }

            await importer.CompleteAsync(cancellationToken);
        }

        await MoveFromStagingAsync(connection, transaction, table, columns, cancellationToken);
        return count;
    }

    private static string StagingOf(string table) => "staging_" + table;

    /// <summary>A session-private copy of the table's columns (no constraints, no indexes: the INSERT checks them), dropped at commit.</summary>
    private static async Task CreateStagingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var create = new NpgsqlCommand(
            $"CREATE TEMPORARY TABLE {StagingOf(table)} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP", connection, transaction);
        await create.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task MoveFromStagingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, string columns,
        CancellationToken cancellationToken)
    {
        await using var move = new NpgsqlCommand(
            $"INSERT INTO {table} ({columns}) SELECT {columns} FROM {StagingOf(table)}", connection, transaction)
        { CommandTimeout = 0 };
        await move.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task WriteNullableAsync<TValue>(NpgsqlBinaryImporter writer, TValue? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where TValue : struct =>
        value.HasValue ? writer.WriteAsync(value.Value, type, cancellationToken) : writer.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is not null ? writer.WriteAsync(value, type, cancellationToken) : writer.WriteNullAsync(cancellationToken);
}
