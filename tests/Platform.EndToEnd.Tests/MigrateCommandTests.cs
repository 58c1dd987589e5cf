using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.BuildingBlocks.Audit;
using Platform.Host;
using Platform.MarketData.Postgres;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// <c>platform migrate</c>, the deployment's migrate step (Kubernetes Job, or the step before <c>dapr run -f .</c>), on a
/// database that does not exist yet: it bootstraps the roles and the database, migrates as the owner, and a standalone
/// service host that never migrates (valuation) then serves on it as the service role, audit log included.
/// </summary>
public sealed class MigrateCommandTests : IAsyncLifetime
{
    private const string DaprPassword = "dapr-test-password";
    private readonly string _database = "migrate_" + Guid.NewGuid().ToString("N")[..12];
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-migrate-");
    private PostgresCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await PostgresCluster.SharedAsync();

    public async Task DisposeAsync()
    {
        _workspace.Delete(recursive: true);
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_cluster.AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_fresh_database_migrated_by_the_migrate_step_serves_a_standalone_valuation_host()
    {
        var service = _cluster.ServiceConnectionString(_database);
        Assert.Equal(1, (await RunAsync(service, "migrate", "--check")).Exit);

        var (exit, output) = await RunAsync(service, withBootstrap: true, "migrate");
        Assert.True(exit == 0, output);
        Assert.Contains($"database {_database} owned by {PostgresRoles.Owner}", output, StringComparison.Ordinal);
        Assert.Contains($"Applied migrations 0001, 0002", output, StringComparison.Ordinal);
        Assert.Contains($"as {PostgresRoles.Owner}", output, StringComparison.Ordinal);
        Assert.Contains($"Service login {PostgresRoles.Service} is fit to serve", output, StringComparison.Ordinal);

        // Running it again (every release does) changes nothing; the check as the service login alone passes.
        var (again, againOutput) = await RunAsync(service, withBootstrap: true, "migrate");
        Assert.True(again == 0, againOutput);
        Assert.Contains("Schema up to date", againOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(service, "migrate", "--check")).Exit);

        await using (var superuser = NpgsqlDataSource.Create(_cluster.ConnectionString(_database)))
        {
            Assert.Equal(PostgresRoles.Owner, await ScalarAsync<string>(superuser, "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = current_database()"));
            Assert.Equal(PlatformDatabase.Migrations.Count, (int)await ScalarAsync<long>(superuser, "SELECT count(*) FROM schema_migrations"));
        }

        // The Dapr state store's login may create its own tables and reads none of the platform's.
        var dapr = new NpgsqlConnectionStringBuilder(_cluster.ConnectionString(_database)) { Username = PostgresRoles.DaprStateStore, Password = DaprPassword, Pooling = false };
        await using (var stateStore = NpgsqlDataSource.Create(dapr.ConnectionString))
        {
            await ScalarAsync<int>(stateStore, "CREATE TABLE dapr_probe (key text PRIMARY KEY); SELECT 1");
            Assert.False(await ScalarAsync<bool>(stateStore, "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"));
            foreach (var table in new[] { "tenants", "properties", "audit_log", "api_keys" })
            {
                Assert.False(await ScalarAsync<bool>(stateStore, $"SELECT has_table_privilege(current_user, '{table}', 'SELECT')"), table);
            }
        }

        // valuation alone never migrates: it serves, and writes its audit trail, on what the migrate step left.
        await using var valuation = new StandaloneValuation(service, _workspace.FullName);
        using var admin = valuation.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", StandaloneValuation.AdminKey);
        using var accepted = await admin.PostAsJsonAsync("/monitoring/training-requests", new { tenant_id = "migrated-acme", reason = "drift" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var entries = (await valuation.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery())).Entries;
        Assert.Contains(entries, e => e.Action == AuditActions.TrainingRequest && e.Target == "migrated-acme" && e.Outcome == AuditOutcome.Succeeded);
    }

    [Fact]
    public async Task A_waiting_check_lets_a_service_start_once_the_migrate_step_has_run()
    {
        // What an app pod's init container does while the migrate Job has not yet run (the database is not even there).
        var service = _cluster.ServiceConnectionString(_database);
        var waiting = RunAsync(service, "migrate", "--check", "--wait", "60");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(waiting.IsCompleted);

        var (exit, output) = await RunAsync(service, withBootstrap: true, "migrate");
        Assert.True(exit == 0, output);

        var (waited, waitOutput) = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(waited == 0, waitOutput);
        Assert.Contains("retrying", waitOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_refuses_a_service_login_that_could_bypass_row_level_security()
    {
        await _cluster.CreateDatabaseAsync(_database);

        var (exit, output) = await RunAsync(_cluster.ConnectionString(_database), "migrate");

        Assert.Equal(1, exit);
        Assert.Contains("is a superuser", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_needs_the_platform_roles_with_their_passwords_and_changes_nothing_otherwise()
    {
        var service = new NpgsqlConnectionStringBuilder(_cluster.ServiceConnectionString(_database)) { Username = "someone_else" }.ConnectionString;

        var (exit, output) = await RunAsync(service, withBootstrap: true, "migrate");

        Assert.Equal(2, exit);
        Assert.Contains($"must log in as {PostgresRoles.Service}", output, StringComparison.Ordinal);
        await using var admin = NpgsqlDataSource.Create(_cluster.AdminConnectionString);
        Assert.False(await ScalarAsync<bool>(admin, $"SELECT EXISTS (SELECT FROM pg_database WHERE datname = '{_database}')"));
    }

    private Task<(int Exit, string Output)> RunAsync(string service, params string[] args) => RunAsync(service, withBootstrap: false, args);

    private async Task<(int Exit, string Output)> RunAsync(string service, bool withBootstrap, params string[] args)
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = service };
        if (withBootstrap)
        {
            settings["ConnectionStrings:PostgresOwner"] = _cluster.OwnerConnectionString(_database);
            // The superuser's login without a database: the bootstrap opens the maintenance database, as the Job's does.
            var bootstrap = new NpgsqlConnectionStringBuilder(_cluster.AdminConnectionString);
            settings["ConnectionStrings:PostgresBootstrap"] = new NpgsqlConnectionStringBuilder { Username = bootstrap.Username, Password = bootstrap.Password }.ConnectionString;
            settings[MigrateSettings.DaprStateStorePasswordKey] = DaprPassword;
        }

        var output = new StringWriter();
        var exit = await PlatformCommandLine.Create(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), _workspace.FullName)
            .Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The valuation service's own host (its Program), as <c>dapr run -f .</c> starts it, on the service login.</summary>
    private sealed class StandaloneValuation(string connectionString, string workspace) : WebApplicationFactory<Valuation.Api.Program>
    {
        public const string AdminKey = "migrate-test-admin-key";

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Postgres", connectionString);
            builder.UseSetting("Platform:ApiKeys:0", AdminKey);
            builder.UseSetting("Platform:Embedded:ArtifactsPath", Path.Combine(workspace, "artifacts"));
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}

/// <summary>`platform serve` listens where the container image says (ASP.NET Core's variables), else on loopback only.</summary>
public sealed class ServeUrlsTests
{
    [Theory]
    [InlineData(null, null, "http://127.0.0.1:5080")]
    [InlineData(null, "5080", "http://+:5080")]
    [InlineData(null, "5080;5081", "http://+:5080;http://+:5081")]
    [InlineData("http://127.0.0.1:6000", "5080", "http://127.0.0.1:6000")]
    public void The_default_follows_ASPNETCORE_URLS_then_ASPNETCORE_HTTP_PORTS(string? urls, string? ports, string expected)
    {
        var environment = new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = urls, ["ASPNETCORE_HTTP_PORTS"] = ports };

        Assert.Equal(expected, ServeCommand.DefaultUrls(name => environment.GetValueOrDefault(name)));
    }
}
