using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Artifacts;
using Platform.Testing;
using Platform.TrainingWorkflow.Pipelines;
using Platform.TrainingWorkflow.Pipelines.Price;

namespace Platform.TrainingWorkflow.Tests.Pipelines;

/// <summary>A price run parses its dataset once: the data check parses it, the later activities take it from the cache.</summary>
public sealed class SnapshotCacheTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_price_run_parses_its_snapshot_once()
    {
        await PipelineHost.LoadMarketAsync(database.DataSource, "parse-once", properties: 900, seed: 21);
        await using var host = await PipelineHost.StartAsync(database.DataSource, "state_parse_once");
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var parses = new MetricCollector<long>(meters, PriceSnapshotCache.MeterName, "training.snapshot.parses");
        using var hits = new MetricCollector<long>(meters, PriceSnapshotCache.MeterName, "training.snapshot.cache_hits");
        var input = new PriceTrainingInput
        {
            TenantId = "parse-once",
            Training = new PriceTrainingParameters { Iterations = 20, LearningRate = 0.1, TuneSeconds = 0 },
        };

        await host.RunAsync(PriceModelTrainingWorkflow.Name, input);

        Assert.Equal(1, parses.GetMeasurementSnapshot().Sum(m => m.Value));
        // Snapshot, train and evaluate each found the dataset the data check parsed.
        Assert.Equal(3, hits.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    [Fact]
    public async Task The_cache_is_bounded_and_a_miss_reads_the_artifact()
    {
        var root = Directory.CreateTempSubdirectory("snapshot-cache-");
        try
        {
            var artifacts = new FileSystemArtifactStore(root.FullName);
            using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var meterFactory = meters.GetRequiredService<IMeterFactory>();
            using var parses = new MetricCollector<long>(meterFactory, PriceSnapshotCache.MeterName, "training.snapshot.parses");
            var cache = new PriceSnapshotCache(artifacts, Options.Create(new TrainingPipelineOptions { SnapshotCacheEntries = 1 }), meterFactory);
            await artifacts.PutAsync("a/sales.csv", new MemoryStream(Csv(rows: 3)));
            await artifacts.PutAsync("b/sales.csv", new MemoryStream(Csv(rows: 5)));

            var a = await cache.GetAsync("a/sales.csv", CancellationToken.None);
            var again = await cache.GetAsync("a/sales.csv", CancellationToken.None);
            var b = await cache.GetAsync("b/sales.csv", CancellationToken.None);
            var evicted = await cache.GetAsync("a/sales.csv", CancellationToken.None);

            Assert.Same(a, again);
            Assert.Equal(3, a.Dataset.Rows.Count);
            Assert.Equal(5, b.Dataset.Rows.Count);
            Assert.NotSame(a, evicted);
            Assert.Equal(a.Sha256, evicted.Sha256);
            Assert.Equal(3, parses.GetMeasurementSnapshot().Sum(m => m.Value));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static byte[] Csv(int rows)
    {
        var csv = new System.Text.StringBuilder(PriceDatasetFormat.Header).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            csv.Append(FormattableString.Invariant($"t{i},p{i},2024-01-01,{3_000_000 + i},leilighet,Oslo,0150,59.9,10.7,60,70,,3,2,1,2,1990,3\n"));
        }

        return System.Text.Encoding.UTF8.GetBytes(csv.ToString());
    }
}
