using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.StateStore;
using Platform.EmbeddedWorkflowSidecar;
using Platform.Host;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The all-in-one host serves on the least-privilege service role: it never connects as a superuser, creates its
/// platform-wide tables (state store, workflow sidecar) through the owner, out of the tenant role's reach, and refuses to
/// start on a connection that could bypass row-level security.
/// </summary>
public sealed class DatabaseRoleTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task The_host_serves_as_the_service_role_and_keeps_platform_wide_tables_from_the_tenant_role()
    {
        var workspace = Directory.CreateTempSubdirectory("platform-db-role-");
        try
        {
            await using var app = Build(workspace, database.ConnectionString);
            await app.StartAsync();
            var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
            await app.Services.GetRequiredService<IStateStore>().SaveAsync("db-role-test", [1]);

            Assert.False(await ScalarAsync<bool>(dataSource, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
            Assert.Equal(PostgresRoles.Service, await ScalarAsync<string>(dataSource, "SELECT current_user::text"));
            Assert.Empty(await PostgresServiceRoleCheck.ProblemsAsync(dataSource, PostgresRoles.Owner));
            foreach (var table in new[] { "state_store", "workflow_sidecar.instances", "workflow_sidecar.history", "schema_migrations" })
            {
                Assert.False(await ScalarAsync<bool>(dataSource, $"SELECT has_table_privilege('{TenantConnectionFactory.TenantRole}', '{table}', 'SELECT')"), table);
                Assert.Equal(PostgresRoles.Owner, await ScalarAsync<string>(dataSource, $"SELECT pg_get_userbyid(relowner)::text FROM pg_class WHERE oid = '{table}'::regclass"));
            }

            Assert.True(await ScalarAsync<bool>(dataSource, "SELECT has_table_privilege(current_user, 'workflow_sidecar.instances', 'INSERT')"));
            Assert.Equal(EmbeddedWorkflowSidecarExtensions.OwnerDataSourceKey, PlatformBuildingBlocksExtensions.OwnerDataSourceKey);
            Assert.Equal(PostgresRoles.OwnerDataSourceKey, PlatformBuildingBlocksExtensions.OwnerDataSourceKey);
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_host_refuses_to_start_on_a_superuser_connection()
    {
        var workspace = Directory.CreateTempSubdirectory("platform-db-superuser-");
        try
        {
            await using var app = Build(workspace, database.SuperuserConnectionString);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

            Assert.Contains("is a superuser", error.Message, StringComparison.Ordinal);
            Assert.Contains($"ConnectionStrings:{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            workspace.Delete(recursive: true);
        }
    }

    private static WebApplication Build(DirectoryInfo workspace, string connectionString) => PlatformHost.Build(
        AllInOneHostArguments.For($"http://127.0.0.1:{Loopback.FreePort()}", connectionString, workspace.FullName,
            "--Platform:Auth:AllowTenantHeader=true",
            "--Platform:Demo:Enabled=false"));

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
