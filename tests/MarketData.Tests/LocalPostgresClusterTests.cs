using Npgsql;
using Platform.MarketData.Postgres;

namespace Platform.MarketData.Tests;

public sealed class LocalPostgresClusterTests
{
    [Fact]
    public async Task A_second_start_reuses_the_running_cluster_and_a_stopped_one_restarts_on_the_same_port()
    {
        var root = Path.Combine(Path.GetTempPath(), "marketdata-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new LocalPostgresClusterOptions { RootDirectory = root, Ephemeral = true, SharedBuffers = "16MB", MaxConnections = 20 };
        var first = await LocalPostgresCluster.StartAsync(options);
        try
        {
            await first.EnsureDatabaseAsync("platform");
            // Concurrent starts of a running cluster all reuse it.
            var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => LocalPostgresCluster.StartAsync(options)));
            Assert.All(concurrent, c => Assert.Equal(first.Port, c.Port));
            var again = await LocalPostgresCluster.StartAsync(options);
            Assert.Equal(first.Port, again.Port);
            Assert.Equal(first.ConnectionString("platform"), again.ConnectionString("platform"));

            await first.StopAsync();
            var restarted = await LocalPostgresCluster.StartAsync(options);
            Assert.Equal(first.Port, restarted.Port);
            await using var connection = new NpgsqlConnection(restarted.ConnectionString("platform") + ";Pooling=false");
            await connection.OpenAsync();
            Assert.Equal("platform", connection.Database);
        }
        finally
        {
            await first.StopAsync(immediate: true).ContinueWith(_ => { });
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Every_login_needs_the_generated_password_kept_owner_only_and_a_trust_cluster_is_switched_over()
    {
        var root = Path.Combine(Path.GetTempPath(), "marketdata-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new LocalPostgresClusterOptions { RootDirectory = root, Ephemeral = true, SharedBuffers = "16MB", MaxConnections = 20 };
        var cluster = await LocalPostgresCluster.StartAsync(options);
        try
        {
            await cluster.EnsureDatabaseAsync("platform");
            await AssertPasswordsRequiredAsync(cluster);

            // A cluster from before passwords: trust for everyone and no credentials file. Its next start sets passwords.
            await cluster.StopAsync();
            await File.WriteAllTextAsync(Path.Combine(cluster.DataDirectory, "pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
            File.Delete(cluster.CredentialsFile);
            var upgraded = await LocalPostgresCluster.StartAsync(options);
            Assert.DoesNotContain("trust", await File.ReadAllTextAsync(Path.Combine(upgraded.DataDirectory, "pg_hba.conf")), StringComparison.Ordinal);
            await AssertPasswordsRequiredAsync(upgraded);
        }
        finally
        {
            await cluster.StopAsync(immediate: true).ContinueWith(_ => { });
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_database_the_superuser_made_before_the_owner_role_is_handed_over_whole_sequences_of_tables_with_them()
    {
        var root = Path.Combine(Path.GetTempPath(), "marketdata-cluster-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new LocalPostgresClusterOptions { RootDirectory = root, Ephemeral = true, SharedBuffers = "16MB", MaxConnections = 20 };
        var cluster = await LocalPostgresCluster.StartAsync(options);
        try
        {
            // As a data folder of an earlier release has it: everything the superuser's, with serial, identity and free sequences.
            await using (var admin = new NpgsqlConnection(cluster.ConnectionString() + ";Pooling=false"))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE legacy", admin);
                await create.ExecuteNonQueryAsync();
            }

            await using (var legacy = new NpgsqlConnection(cluster.ConnectionString("legacy") + ";Pooling=false"))
            {
                await legacy.OpenAsync();
                await using var schema = new NpgsqlCommand("""
                    CREATE SCHEMA workflow_sidecar;
                    CREATE TABLE workflow_sidecar.inbox (id bigserial PRIMARY KEY);
                    CREATE TABLE public.sales (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
                    CREATE SEQUENCE public.free_standing;
                    """, legacy);
                await schema.ExecuteNonQueryAsync();
            }

            await cluster.EnsureDatabaseAsync("legacy");

            await using var check = new NpgsqlConnection(cluster.ConnectionString("legacy") + ";Pooling=false");
            await check.OpenAsync();
            await using var owners = new NpgsqlCommand("""
                SELECT n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname IN ('public', 'workflow_sidecar') AND c.relkind IN ('r', 'S') ORDER BY 1
                """, check);
            var found = new List<(string Name, string Owner)>();
            await using (var reader = await owners.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    found.Add((reader.GetString(0), reader.GetString(1)));
                }
            }

            Assert.Equal(
                ["public.free_standing", "public.sales", "public.sales_id_seq", "workflow_sidecar.inbox", "workflow_sidecar.inbox_id_seq"],
                found.Select(f => f.Name));
            Assert.All(found, f => Assert.Equal(PostgresRoles.Owner, f.Owner));
        }
        finally
        {
            await cluster.StopAsync(immediate: true).ContinueWith(_ => { });
            Directory.Delete(root, recursive: true);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task AssertPasswordsRequiredAsync(LocalPostgresCluster cluster)
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.CredentialsFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cluster.Options.RootDirectory));
        foreach (var role in new[] { LocalPostgresCluster.SuperUser, PostgresRoles.Owner, PostgresRoles.Service })
        {
            var withoutPassword = $"Host=127.0.0.1;Port={cluster.Port};Username={role};Database=platform;Pooling=false";
            await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
            {
                await using var connection = new NpgsqlConnection(withoutPassword);
                await connection.OpenAsync();
            });
            var wrong = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var connection = new NpgsqlConnection(withoutPassword + ";Password=guessed");
                await connection.OpenAsync();
            });
            Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);
        }

        await using var service = new NpgsqlConnection(cluster.ServiceConnectionString("platform") + ";Pooling=false");
        await service.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user", service);
        Assert.False((bool)(await command.ExecuteScalarAsync())!);
        await using var owner = new NpgsqlConnection(cluster.OwnerConnectionString("platform") + ";Pooling=false");
        await owner.OpenAsync();
        await using var ownsDatabase = new NpgsqlCommand("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = 'platform'", owner);
        Assert.Equal(PostgresRoles.Owner, await ownsDatabase.ExecuteScalarAsync());
    }

    [Fact]
    public void Missing_binaries_give_a_message_naming_what_to_install()
    {
        var error = Assert.Throws<PostgresNotInstalledException>(() => PostgresBinaries.Locate("/nonexistent-bin", "/nonexistent-root"));
        Assert.Contains("apt-get install postgresql", error.Message);
    }
}
