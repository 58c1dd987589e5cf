using Platform.BuildingBlocks.Hosting;
using Platform.MarketData.Postgres;

namespace Platform.Host;

/// <summary>
/// The PostgreSQL connection string of the verbs that need one: the configured one (<c>ConnectionStrings:Postgres</c> or
/// <c>PLATFORM_POSTGRES</c>), or a local cluster under <c>.platform/postgres</c> started (or reused) from the server binaries
/// on this machine. Asked for only by a verb that is about to use the database, so no verb is started for nothing.
/// The local cluster's connection string is the service role's (least privilege); its owner's credentials, for migrations,
/// go into <see cref="PostgresRoles.OwnerConnectionStringVariable"/> of this process.
/// </summary>
public sealed class LocalDatabase(IConfiguration configuration, string dataFolder, TextWriter output)
{
    public const string DatabaseName = "platform";

    private Task<string>? _connectionString;

    /// <summary>The connection string, settled once per process (the local cluster is started at most once).</summary>
    public Task<string> ConnectionStringAsync(CancellationToken cancellationToken) => _connectionString ??= ResolveAsync(cancellationToken);

    private async Task<string> ResolveAsync(CancellationToken cancellationToken)
    {
        if (PlatformBuildingBlocksExtensions.ResolveConnectionString(configuration) is { } configured)
        {
            return configured;
        }

        try
        {
            var root = configuration["Platform:LocalPostgres:Path"] ?? Path.Combine(dataFolder, "postgres");
            var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresClusterOptions { RootDirectory = root }, cancellationToken);
            await cluster.EnsureDatabaseAsync(DatabaseName, cancellationToken);
            await output.WriteLineAsync($"PostgreSQL: local cluster in {cluster.Options.RootDirectory} on port {cluster.Port} " +
                $"(roles {PostgresRoles.Service} and {PostgresRoles.Owner}, passwords in {cluster.CredentialsFile})");
            // Everything in this process that migrates (the verbs, a host a bench verb builds) finds the owner here, the way a
            // deployment configures it; the services themselves get the service role's connection string returned below.
            var owner = new Npgsql.NpgsqlConnectionStringBuilder(cluster.OwnerConnectionString(DatabaseName));
            Environment.SetEnvironmentVariable(PostgresRoles.OwnerConnectionStringVariable,
                new Npgsql.NpgsqlConnectionStringBuilder { Username = owner.Username, Password = owner.Password }.ConnectionString);
            return cluster.ServiceConnectionString(DatabaseName);
        }
        catch (PostgresNotInstalledException missing)
        {
            throw new LocalDatabaseUnavailableException(
                $"no PostgreSQL connection string is configured and no local PostgreSQL could be started. {missing.Message}", missing);
        }
    }
}

/// <summary>No connection string is configured and no local PostgreSQL can be started; the tool exits 2 with the message.</summary>
public sealed class LocalDatabaseUnavailableException(string message, Exception inner) : Exception(message, inner);
