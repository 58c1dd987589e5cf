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
    public void Missing_binaries_give_a_message_naming_what_to_install()
    {
        var error = Assert.Throws<PostgresNotInstalledException>(() => PostgresBinaries.Locate("/nonexistent-bin", "/nonexistent-root"));
        Assert.Contains("apt-get install postgresql", error.Message);
    }
}
