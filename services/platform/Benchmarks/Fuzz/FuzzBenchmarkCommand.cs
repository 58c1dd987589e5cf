using System.CommandLine;
using Npgsql;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>
/// <c>bench fuzz</c>: the fuzz suite's run at any length. Starts its own <see cref="FuzzTarget"/> (a fresh database beside the
/// platform's, dropped afterwards, and a temporary data folder), sends <c>--requests</c> generated requests and prints the
/// counts and every finding; exits 1 when anything was found.
/// </summary>
public static class FuzzBenchmarkCommand
{
    public static Command Create()
    {
        var connectionString = new Option<string?>("--connection-string")
        {
            Description = "PostgreSQL connection string of a superuser of the cluster (required): a fresh database is created, migrated, seeded and dropped.",
        };
        var serviceConnectionString = new Option<string?>("--service-connection-string")
        {
            Description = "The same cluster's platform_app login (required): the host under test runs as the least-privilege service role.",
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
            if (result.GetValue(connectionString) is not { } connection || result.GetValue(serviceConnectionString) is null)
            {
                await Console.Error.WriteLineAsync("--connection-string (a superuser of the cluster) and --service-connection-string (its platform_app login) are required.")
                    .ConfigureAwait(false);
                return 2;
            }

            var database = "fuzz_" + Guid.NewGuid().ToString("N")[..12];
            await ExecuteAsync(connection, $"CREATE DATABASE {database}", cancellationToken).ConfigureAwait(false);
            var workspace = Directory.CreateTempSubdirectory("platform-fuzz-");
            try
            {
                var superuser = new NpgsqlConnectionStringBuilder(connection) { Database = database }.ConnectionString;
                var service = new NpgsqlConnectionStringBuilder(result.GetValue(serviceConnectionString)!) { Database = database }.ConnectionString;
                await using var target = await FuzzTarget.StartAsync(service, superuser, workspace.FullName, Console.Out, cancellationToken).ConfigureAwait(false);
                var (report, operations) = await FuzzCampaign.RunAsync(target, settings, null, cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"operations: {operations.Count} ({string.Join(", ", operations.Select(o => o.Name))})");
                Console.Write(report.Describe(settings.Seed));
                foreach (var finding in report.Findings.Take(result.GetValue(show)))
                {
                    Console.WriteLine(finding.Describe());
                }

                return report.FindingCount == 0 ? 0 : 1;
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
                workspace.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
