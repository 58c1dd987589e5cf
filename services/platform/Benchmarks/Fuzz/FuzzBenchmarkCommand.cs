using System.CommandLine;
using Npgsql;
using Platform.MarketData.Postgres;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>
/// <c>bench fuzz</c>: the fuzz suite's run at any length. Starts its own <see cref="FuzzTarget"/> (a fresh database, dropped
/// afterwards, on the cluster the two connection strings name or, without them, on a throwaway local cluster started for the
/// run as the test fixture does; and a temporary data folder), sends <c>--requests</c> generated requests and prints the
/// counts and every finding; exits 1 when anything was found.
/// </summary>
public static class FuzzBenchmarkCommand
{
    public static Command Create()
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "PostgreSQL connection string of a superuser of the cluster: a fresh database is created, migrated, seeded and dropped. Without it (and --service-connection-string) a throwaway local cluster is started for the run.",
        };
        var serviceConnectionString = new Option<string?>("--service-connection-string")
        {
            Description = "The same cluster's platform_app login: the host under test runs as the least-privilege service role. Given with --connection-string or not at all.",
        };
        var requests = new Option<long>("--requests") { Description = "Requests to send.", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<long>("--seed") { Description = "Seed of the request stream (request n of a seed is always the same).", DefaultValueFactory = _ => 1 };
        var first = new Option<long>("--first") { Description = "Number of the first request (to replay one: --first n --requests 1).", DefaultValueFactory = _ => 0 };
        var concurrency = new Option<int>("--concurrency") { Description = "GETs kept in flight beside each other (requests that may store always run alone).", DefaultValueFactory = _ => 1 };
        var show = new Option<int>("--show") { Description = "Findings printed in full.", DefaultValueFactory = _ => 20 };

        var command = new Command("fuzz", "Fuzz every operation of the OpenAPI document of an all-in-one host started for the run: no 5xx, problem+json errors, nothing stored when rejected, no other tenant's data.");
        foreach (var option in new Option[] { connectionString, serviceConnectionString, requests, seed, first, concurrency, show })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var settings = new FuzzSettings(result.GetValue(seed), result.GetValue(requests), result.GetValue(concurrency), result.GetValue(first), Progress: Console.Out);
            if (settings.Requests < 1 || settings.Concurrency < 1 || settings.FirstIndex < 0 || result.GetValue(show) < 0)
            {
                await Console.Error.WriteLineAsync("--requests and --concurrency must be positive, --first and --show not negative.").ConfigureAwait(false);
                return 2;
            }

            // The host runs as the least-privilege service role; creating the database, migrating, seeding and reading the storage
            // fingerprint across tenants need a superuser of the same cluster.
            var (superuserConnection, serviceConnection) = (result.GetValue(connectionString), result.GetValue(serviceConnectionString));
            if (superuserConnection is null != serviceConnection is null)
            {
                await Console.Error.WriteLineAsync("--connection-string (a superuser of the cluster) and --service-connection-string (its platform_app login) go together; give both, or neither for a throwaway cluster.")
                    .ConfigureAwait(false);
                return 2;
            }

            var cluster = superuserConnection is null ? await ThrowawayCluster.StartAsync(cancellationToken).ConfigureAwait(false) : null;
            try
            {
                return await RunAsync(cluster?.Superuser ?? superuserConnection!, cluster?.Service ?? serviceConnection!, settings, result.GetValue(show), cancellationToken)
                    .ConfigureAwait(false);
            }
            finally
            {
                if (cluster is not null)
                {
                    await cluster.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string superuserConnection, string serviceConnection, FuzzSettings settings, int show, CancellationToken cancellationToken)
    {
        var database = "fuzz_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(superuserConnection))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Owned by the migration owner, as the platform's bootstrap creates it: the target migrates as that owner.
            await PostgresRoles.EnsureDatabaseAsync(admin, superuserConnection, database, cancellationToken).ConfigureAwait(false);
        }

        var workspace = Directory.CreateTempSubdirectory("platform-fuzz-");
        try
        {
            var superuser = new NpgsqlConnectionStringBuilder(superuserConnection) { Database = database }.ConnectionString;
            var service = new NpgsqlConnectionStringBuilder(serviceConnection) { Database = database }.ConnectionString;
            await using var target = await FuzzTarget.StartAsync(service, superuser, workspace.FullName, Console.Out, cancellationToken).ConfigureAwait(false);
            var (report, operations) = await FuzzCampaign.RunAsync(target, settings, null, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"operations: {operations.Count} ({string.Join(", ", operations.Select(o => o.Name))})");
            Console.Write(report.Describe(settings.Seed));
            var (scanned, unchanged) = target.FingerprintCounts;
            Console.WriteLine($"  storage fingerprints: {scanned} read from the tables, {unchanged} unchanged snapshots (tables not read)");
            foreach (var finding in report.Findings.Take(show))
            {
                Console.WriteLine(finding.Describe());
            }

            return report.FindingCount == 0 ? 0 : 1;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using (var admin = new NpgsqlConnection(superuserConnection))
            {
                await admin.OpenAsync(CancellationToken.None).ConfigureAwait(false);
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }

            workspace.Delete(recursive: true);
        }
    }

    /// <summary>A local cluster in a temp folder for one run (fsync off), stopped and deleted afterwards: what a clean clone fuzzes on.</summary>
    private sealed class ThrowawayCluster(LocalPostgresCluster cluster) : IAsyncDisposable
    {
        public string Superuser => cluster.ConnectionString();

        public string Service => cluster.ServiceConnectionString("postgres");

        public static async Task<ThrowawayCluster> StartAsync(CancellationToken cancellationToken)
        {
            var root = Directory.CreateTempSubdirectory("platform-fuzz-pg-");
            try
            {
                var cluster = await LocalPostgresCluster.StartAsync(
                    new LocalPostgresClusterOptions { RootDirectory = root.FullName, Ephemeral = true, SharedBuffers = "64MB" }, cancellationToken).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"PostgreSQL: throwaway cluster in {root.FullName} on port {cluster.Port}").ConfigureAwait(false);
                return new ThrowawayCluster(cluster);
            }
            catch
            {
                root.Delete(recursive: true);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await cluster.StopAsync(immediate: true, CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(cluster.Options.RootDirectory, recursive: true);
        }
    }
}
