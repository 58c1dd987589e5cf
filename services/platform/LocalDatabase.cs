using Platform.BuildingBlocks.Hosting;
using Platform.MarketData.Postgres;

namespace Platform.Host;

/// <summary>
/// Gives the platform a PostgreSQL connection string: the configured one, or a project-local cluster under
/// <c>.platform/postgres</c> started (or reused) from the server binaries on this machine.
/// </summary>
public static class LocalDatabase
{
    public const string DatabaseName = "platform";
    public const string DefaultRoot = ".platform/postgres";

    /// <summary>The connection string <see cref="EnsureAsync"/> settled on, for the verbs that work on the database.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(PlatformBuildingBlocksExtensions.ConnectionStringEnvironmentVariable)
        ?? throw new InvalidOperationException("No PostgreSQL connection string: LocalDatabase.EnsureAsync has not run.");

    /// <summary>
    /// Makes sure <c>PLATFORM_POSTGRES</c> names a database every verb and module of this process can use. Returns false,
    /// after printing what to install, when no connection string is configured and no PostgreSQL binaries are found.
    /// </summary>
    public static async Task<bool> EnsureAsync(IConfiguration configuration, TextWriter output, CancellationToken cancellationToken)
    {
        if (PlatformBuildingBlocksExtensions.ResolveConnectionString(configuration) is { } configured)
        {
            Environment.SetEnvironmentVariable(PlatformBuildingBlocksExtensions.ConnectionStringEnvironmentVariable, configured);
            return true;
        }

        try
        {
            var root = configuration["Platform:LocalPostgres:Path"] ?? DefaultRoot;
            var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresClusterOptions { RootDirectory = root }, cancellationToken);
            await cluster.EnsureDatabaseAsync(DatabaseName, cancellationToken);
            Environment.SetEnvironmentVariable(
                PlatformBuildingBlocksExtensions.ConnectionStringEnvironmentVariable, cluster.ConnectionString(DatabaseName));
            await output.WriteLineAsync($"PostgreSQL: local cluster in {cluster.Options.RootDirectory} on port {cluster.Port}");
            return true;
        }
        catch (PostgresNotInstalledException missing)
        {
            await Console.Error.WriteLineAsync($"error: no PostgreSQL connection string is configured and no local PostgreSQL could be started. {missing.Message}");
            return false;
        }
    }
}
