using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;

namespace Platform.VectorSearch.Tests;

public sealed class EmbeddedVectorIndexPersistenceTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vector-index-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private EmbeddedVectorIndex Open(TimeProvider? time = null, int dimension = TestPoints.Dimension) =>
        new(new EmbeddedVectorIndexOptions { Dimension = dimension, DataDirectory = _directory, FlushDelay = TimeSpan.FromSeconds(2) }, time);

    [Fact]
    public async Task A_restart_restores_every_tenant_exactly_as_flushed()
    {
        var alice = TestPoints.Random("alice", 200, seed: 20);
        var bob = TestPoints.Random("bob/with:odd*chars", 50, seed: 21);
        var query = TestPoints.RandomVector(new Random(22));
        var filter = new VectorFilter("alice") { Status = "active", MaxPrice = 7_000_000 };
        IReadOnlyList<VectorHit> before;
        VectorPoint? storedBefore;
        await using (var index = Open())
        {
            await index.UpsertAsync([.. alice, .. bob]);
            await index.DeleteAsync("alice", ["p-0005", "p-0199"]);
            await index.FlushAsync();
            before = await index.SearchAsync(query, 10, filter);
            storedBefore = await index.GetAsync("bob/with:odd*chars", "p-0042");
        }

        await using var restarted = Open();

        Assert.Equal(198, await restarted.CountAsync("alice"));
        Assert.Equal(50, await restarted.CountAsync("bob/with:odd*chars"));
        Assert.Null(await restarted.GetAsync("alice", "p-0005"));
        var storedAfter = await restarted.GetAsync("bob/with:odd*chars", "p-0042");
        Assert.Equal(storedBefore!.Payload, storedAfter!.Payload);
        Assert.Equal(storedBefore.Vector, storedAfter.Vector);
        Assert.Equal(before, await restarted.SearchAsync(query, 10, filter));
    }

    [Fact]
    public async Task Changes_are_written_after_the_flush_delay_and_on_dispose()
    {
        var time = new FakeTimeProvider();
        var index = Open(time);
        await index.UpsertAsync(TestPoints.Random("alice", 10, seed: 23));
        Assert.Empty(Directory.GetFiles(_directory));

        time.Advance(TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => Directory.GetFiles(_directory, "*.vectors").Length == 1);

        await index.DeleteAsync("alice", ["p-0000"]);
        await index.DisposeAsync(); // before the delay: dispose must write it

        await using var restarted = Open();
        Assert.Equal(9, await restarted.CountAsync("alice"));
    }

    [Fact]
    public async Task Deleting_a_tenants_last_point_removes_its_snapshot()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(TestPoints.Random("alice", 2, seed: 24));
            await index.FlushAsync();
            await index.DeleteAsync("alice", ["p-0000", "p-0001"]);
        }

        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task A_damaged_snapshot_fails_the_start_and_names_the_file()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(TestPoints.Random("alice", 20, seed: 25));
        }

        var file = Assert.Single(Directory.GetFiles(_directory));
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length - 7)]);

        var error = Assert.Throws<InvalidDataException>(() => Open());
        Assert.Contains(file, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public async Task A_snapshot_of_another_dimension_is_refused()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(TestPoints.Random("alice", 5, seed: 26));
        }

        var error = Assert.Throws<InvalidDataException>(() => Open(dimension: 32));
        Assert.Contains("16-dimensional", error.Message);
    }

    [Fact]
    public async Task Concurrent_searches_and_writes_stay_consistent()
    {
        using var index = new EmbeddedVectorIndex(new EmbeddedVectorIndexOptions { DataDirectory = null });
        var points = TestPoints.Random("alice", 500, seed: 27);
        await index.UpsertAsync(points[..250]);
        var query = TestPoints.RandomVector(new Random(28));

        var writer = Task.Run(async () =>
        {
            for (var i = 250; i < 500; i++)
            {
                await index.UpsertAsync([points[i]]);
                await index.DeleteAsync("alice", [points[i - 250].Id]);
            }
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!writer.IsCompleted)
            {
                var hits = await index.SearchAsync(query, 10, new VectorFilter("alice"));
                Assert.Equal(10, hits.Count);
                Assert.Equal(10, hits.Select(h => h.Id).Distinct().Count());
            }
        }));
        await Task.WhenAll([writer, .. readers]);

        Assert.Equal(250, await index.CountAsync("alice"));
        Assert.Equal(
            TestPoints.BruteForce(points[250..], query, 10, _ => true).Select(e => e.Id),
            (await index.SearchAsync(query, 10, new VectorFilter("alice"))).Select(h => h.Id));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 10 s.");
            await Task.Delay(10);
        }
    }
}
