using System.CommandLine;
using Npgsql;
using Platform.BuildingBlocks.Hosting;
using Platform.MarketData.Postgres;

namespace Platform.Host;

/// <summary>
/// What <c>platform migrate</c> connects with: the services' login (<c>ConnectionStrings:Postgres</c>), the owner that
/// migrates (<c>ConnectionStrings:PostgresOwner</c>, null: the service connection migrates, a one-role deployment) and,
/// optionally, a superuser that first creates or refreshes the roles and the database (<c>ConnectionStrings:PostgresBootstrap</c>).
/// </summary>
public sealed record MigrateSettings(string Service, string? Owner, string? Bootstrap, string? DaprStateStorePassword)
{
    public const string BootstrapConnectionStringName = "PostgresBootstrap";
    public const string BootstrapConnectionStringEnvironmentVariable = "PLATFORM_POSTGRES_BOOTSTRAP";

    /// <summary>The password of the Dapr state store's login (<see cref="PostgresRoles.DaprStateStore"/>); bootstrap only.</summary>
    public const string DaprStateStorePasswordKey = "Platform:Migrate:DaprStateStorePassword";

    /// <summary>
    /// The settings from configuration; the owner and bootstrap settings are connection strings whose keys replace the
    /// service connection's (so <c>Username=...;Password=...</c> is enough). The bootstrap connection opens the
    /// maintenance database <c>postgres</c> unless its setting names one: the platform's may not exist yet.
    /// </summary>
    public static MigrateSettings From(IConfiguration configuration, string serviceConnectionString)
    {
        var bootstrapSetting = configuration.GetConnectionString(BootstrapConnectionStringName) is { Length: > 0 } configured
            ? configured
            : Environment.GetEnvironmentVariable(BootstrapConnectionStringEnvironmentVariable);
        string? bootstrap = null;
        if (!string.IsNullOrWhiteSpace(bootstrapSetting))
        {
            var setting = new NpgsqlConnectionStringBuilder(bootstrapSetting);
            var builder = new NpgsqlConnectionStringBuilder(PostgresRoles.OwnerConnectionString(serviceConnectionString, bootstrapSetting));
            builder.Database = setting.Database ?? "postgres";
            bootstrap = builder.ConnectionString;
        }

        return new MigrateSettings(serviceConnectionString,
            PlatformBuildingBlocksExtensions.ResolveOwnerConnectionString(configuration, serviceConnectionString),
            bootstrap,
            configuration[DaprStateStorePasswordKey] is { Length: > 0 } password ? password : null);
    }
}

/// <summary>
/// <c>platform migrate [--check] [--wait SECONDS]</c>: the deployment's migrate step, before the services start (a
/// Kubernetes Job, or a step before <c>dapr run -f .</c>). With a bootstrap connection it first creates or refreshes the
/// platform's roles with the passwords of the owner and service connection strings, and the database owned by the owner;
/// then it applies the migrations as the owner and proves the service login fit to serve (the start-up check every host
/// runs). <c>--check</c> changes nothing: as the service login it exits 0 only when no migration is pending (an init
/// container's wait before a service starts). Exit codes: 0 done, 1 the database is behind or a role is unfit, 2 bad settings.
/// </summary>
public static class MigrateCommand
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public static Command Create(IConfiguration configuration, Func<CancellationToken, Task<string>> connectionString)
    {
        var check = new Option<bool>("--check") { Description = "Change nothing: exit 0 when the schema is up to date, as seen by the service login." };
        var wait = new Option<int>("--wait")
        {
            Description = "Seconds to keep retrying while PostgreSQL does not answer (with --check: while the schema is behind).",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("migrate", "Migrates the database as its owner (bootstrapping the roles first when given a superuser) and checks the service login.")
        {
            check, wait,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var output = result.InvocationConfiguration.Output;
            var error = result.InvocationConfiguration.Error;
            if (result.GetValue(wait) < 0)
            {
                await error.WriteLineAsync("--wait: a number of seconds, 0 or more.");
                return 2;
            }

            var settings = MigrateSettings.From(configuration, await connectionString(cancellationToken));
            return await RunAsync(settings, result.GetValue(check), TimeSpan.FromSeconds(result.GetValue(wait)), output, error, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(MigrateSettings settings, bool checkOnly, TimeSpan wait, TextWriter output, TextWriter error,
        CancellationToken cancellationToken = default)
    {
        if (BadSettings(settings) is { } problem)
        {
            await error.WriteLineAsync($"error: {problem}");
            return 2;
        }

        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                var exit = checkOnly ? await CheckAsync(settings, output, error, cancellationToken) : await MigrateAsync(settings, output, error, cancellationToken);
                if (exit == 0 || !checkOnly || DateTime.UtcNow >= deadline)
                {
                    return exit;
                }
            }
            // A check waits for the migrate step (its database may not even exist yet); the migrate step waits for the server.
            catch (Exception failed) when (DatabaseError(failed) is { } database && (checkOnly || IsUnreachable(database)) && DateTime.UtcNow < deadline)
            {
                await error.WriteLineAsync($"Not yet: {failed.Message}; retrying.");
            }
            catch (Exception failed) when (DatabaseError(failed) is not null)
            {
                await error.WriteLineAsync($"error: {failed.Message}");
                return 1;
            }

            await Task.Delay(RetryDelay, cancellationToken);
        }
    }

    private static string? BadSettings(MigrateSettings settings)
    {
        if (settings.Bootstrap is null)
        {
            return settings.DaprStateStorePassword is null ? null
                : $"{MigrateSettings.DaprStateStorePasswordKey} is set, but the Dapr state store's login is created only with ConnectionStrings:{MigrateSettings.BootstrapConnectionStringName}.";
        }

        // The bootstrap creates the platform's roles by name, with the passwords the services and the owner will log in with.
        foreach (var (name, connection, role) in new[]
        {
            ($"ConnectionStrings:{PlatformBuildingBlocksExtensions.ConnectionStringName}", settings.Service, PostgresRoles.Service),
            ($"ConnectionStrings:{PlatformBuildingBlocksExtensions.OwnerConnectionStringName}", settings.Owner, PostgresRoles.Owner),
        })
        {
            var builder = connection is null ? null : new NpgsqlConnectionStringBuilder(connection);
            if (builder?.Username != role || string.IsNullOrEmpty(builder.Password))
            {
                return $"with ConnectionStrings:{MigrateSettings.BootstrapConnectionStringName}, {name} must log in as {role} with a password (the bootstrap gives the role that password).";
            }
        }

        return null;
    }

    private static async Task<int> MigrateAsync(MigrateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var service = new NpgsqlConnectionStringBuilder(settings.Service);
        if (settings.Bootstrap is { } bootstrap)
        {
            await using var superuser = new NpgsqlConnection(bootstrap);
            await superuser.OpenAsync(cancellationToken);
            await PostgresRoles.EnsureAsync(superuser, new NpgsqlConnectionStringBuilder(settings.Owner!).Password!, service.Password!, cancellationToken);
            if (settings.DaprStateStorePassword is { } daprPassword)
            {
                await PostgresRoles.EnsureDaprStateStoreRoleAsync(superuser, daprPassword, cancellationToken);
            }

            await PostgresRoles.EnsureDatabaseAsync(superuser, bootstrap, service.Database!, cancellationToken);
            await output.WriteLineAsync($"Roles {PostgresRoles.Owner}, {PostgresRoles.Service}, {TenantConnectionFactory.TenantRole}" +
                (settings.DaprStateStorePassword is null ? "" : $", {PostgresRoles.DaprStateStore}") +
                $" created or refreshed; database {service.Database} owned by {PostgresRoles.Owner}.");
        }

        var ownerConnection = settings.Owner ?? settings.Service;
        await using (var owner = NpgsqlDataSource.Create(ownerConnection))
        {
            IReadOnlyList<int> applied;
            try
            {
                applied = await new PlatformDatabase(owner).MigrateAsync(cancellationToken);
            }
            catch (Exception denied) when (settings.Owner is null && (DatabaseError(denied) as PostgresException)?.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                await error.WriteLineAsync($"error: {service.Username} may not change the schema; give the owner's login in " +
                    $"ConnectionStrings:{PlatformBuildingBlocksExtensions.OwnerConnectionStringName} ({denied.Message}).");
                return 1;
            }

            await output.WriteLineAsync(applied.Count == 0
                ? $"Schema up to date (version {PlatformDatabase.Migrations[^1].Version:D4})."
                : $"Applied migrations {string.Join(", ", applied.Select(v => v.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)))} as {new NpgsqlConnectionStringBuilder(ownerConnection).Username}.");

            // The Dapr state store creates its own tables: it may create in the public schema, and nothing more. The
            // schema's owner grants it (PostgreSQL 15+: the database owner owns `public`).
            if (settings.Owner is not null)
            {
                await using var grant = owner.CreateCommand($"""
                    DO $$
                    BEGIN
                        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{PostgresRoles.DaprStateStore}') THEN
                            GRANT USAGE, CREATE ON SCHEMA public TO {PostgresRoles.DaprStateStore};
                        END IF;
                    END
                    $$
                    """);
                await grant.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return await CheckAsync(settings, output, error, cancellationToken);
    }

    /// <summary>As the service login: the schema is up to date and the login is one a host will start on.</summary>
    private static async Task<int> CheckAsync(MigrateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        await using var service = NpgsqlDataSource.Create(settings.Service);
        var ownerRole = settings.Owner is null ? null : new NpgsqlConnectionStringBuilder(settings.Owner).Username;
        var problems = new List<string>(await PostgresServiceRoleCheck.ProblemsAsync(service, ownerRole, cancellationToken));
        var pending = await new PlatformDatabase(service).PendingMigrationsAsync(cancellationToken);
        if (pending.Count > 0)
        {
            problems.Add($"{pending.Count} migration(s) pending ({string.Join(", ", pending.Select(m => $"{m.Version:D4}_{m.Name}"))}): run `platform migrate` with the owner's login");
        }

        if (problems.Count > 0)
        {
            await error.WriteLineAsync($"not ready: {string.Join("; ", problems)}.");
            return 1;
        }

        await output.WriteLineAsync($"Service login {new NpgsqlConnectionStringBuilder(settings.Service).Username} is fit to serve: not a superuser, no BYPASSRLS, owns nothing, schema up to date.");
        return 0;
    }

    private static NpgsqlException? DatabaseError(Exception exception) => exception as NpgsqlException ?? exception.InnerException as NpgsqlException;

    /// <summary>The server is not (yet) there: refused, unreachable, starting up or shutting down.</summary>
    private static bool IsUnreachable(NpgsqlException exception) =>
        exception is PostgresException postgres
            ? postgres.SqlState is PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown
            : exception.InnerException is System.Net.Sockets.SocketException or TimeoutException || exception.IsTransient;
}
