using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;

namespace Platform.MarketData.Postgres;

/// <summary>One versioned schema change, <c>NNNN_name.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Applies the embedded SQL migrations in version order, each in its own transaction, recording them in
/// <c>schema_migrations</c>. A session advisory lock serialises processes that start at the same time; applied
/// versions are skipped, so running it again is a no-op.
/// </summary>
public sealed partial class PlatformDatabase(NpgsqlDataSource dataSource)
{
    private const string ResourcePrefix = "Platform.MarketData.Migrations.";

    // Arbitrary constant shared by every process that migrates this schema ("platform" in ASCII).
    private const long AdvisoryLockKey = 0x706C6174666F726D;

    public static IReadOnlyList<Migration> Migrations { get; } = LoadEmbeddedMigrations();

    /// <summary>
    /// Migrates the database of <paramref name="connectionString"/> as its owner: the connection with the owner's
    /// credentials from <see cref="PostgresRoles.OwnerConnectionStringVariable"/> applied, when set (command-line verbs).
    /// </summary>
    public static async Task<IReadOnlyList<int>> MigrateAsOwnerAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var owner = NpgsqlDataSource.Create(PostgresRoles.OwnerConnectionString(connectionString));
        return await new PlatformDatabase(owner).MigrateAsync(cancellationToken);
    }

    /// <summary>Applies pending migrations; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, "SELECT pg_advisory_lock(@key)", cancellationToken, ("key", AdvisoryLockKey));
        try
        {
            // An up-to-date schema needs no privilege beyond reading schema_migrations: a host on the service role (the
            // deployment migrated it beforehand with `platform migrate`) starts without trying to create anything.
            if (await PendingAsync(connection, cancellationToken) is { Count: 0 })
            {
                return [];
            }

            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = new HashSet<int>();
            await using (var select = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            var appliedNow = new List<int>();
            foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                }
                catch (PostgresException ex)
                {
                    throw new InvalidOperationException($"Migration {migration.Version:D4}_{migration.Name}.sql failed: {ex.MessageText}", ex);
                }

                await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)",
                    cancellationToken, ("version", migration.Version), ("name", migration.Name));
                await transaction.CommitAsync(cancellationToken);
                appliedNow.Add(migration.Version);
            }

            return appliedNow;
        }
        finally
        {
            await ExecuteAsync(connection, null, "SELECT pg_advisory_unlock(@key)", CancellationToken.None, ("key", AdvisoryLockKey));
        }
    }

    /// <summary>
    /// The migrations this database still lacks (all of them when it was never migrated), read without changing anything,
    /// so any role that may read <c>schema_migrations</c> can ask (the service role can).
    /// </summary>
    public async Task<IReadOnlyList<Migration>> PendingMigrationsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await PendingAsync(connection, cancellationToken);
    }

    private static async Task<IReadOnlyList<Migration>> PendingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return Migrations;
            }
        }

        var applied = new HashSet<int>();
        await using var select = new NpgsqlCommand("SELECT version FROM schema_migrations", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetInt32(0));
        }

        return [.. Migrations.Where(m => !applied.Contains(m.Version))];
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql,
        CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadEmbeddedMigrations()
    {
        var assembly = typeof(PlatformDatabase).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var fileName = resource[ResourcePrefix.Length..];
            var match = MigrationFileName().Match(fileName);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Embedded migration '{fileName}' is not named NNNN_name.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key:D4}.");
        }

        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationFileName();
}
