using Microsoft.Extensions.Time.Testing;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Embedded;

namespace Platform.VectorSearch.Tests;

public sealed class EmbeddedVectorIndexPersistenceTests : IDisposable
{
    private static readonly VectorSpace Space = TestPoints.Space("properties");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "vector-index-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private EmbeddedVectorIndex Open(TimeProvider? time = null) =>
        new(new EmbeddedVectorIndexOptions { DataDirectory = _directory, FlushDelay = TimeSpan.FromSeconds(2) }, time);

    private string[] SnapshotFiles() => Directory.Exists(_directory) ? Directory.GetFiles(_directory, "*.vectors", SearchOption.AllDirectories) : [];

    [Fact]
    public async Task A_restart_restores_every_tenant_exactly_as_flushed()
    {
        var alice = TestPoints.Random(200, seed: 20);
        var bob = TestPoints.Random(50, seed: 21);
        var query = new VectorQuery("alice", TestPoints.RandomVector(new Random(22)), 10)
        {
            Filter = VectorFilter.All(TestPoints.Match("status", "active"), new RangeCondition("price", Lte: 7_000_000)),
        };
        IReadOnlyList<VectorHit> before;
        VectorPoint? storedBefore;
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", alice);
            await index.UpsertAsync(Space, "bob/with:odd*chars", bob);
            await index.DeleteAsync(Space, "alice", ["p-0005", "p-0199"]);
            await index.FlushAsync();
            before = await index.SearchAsync(Space, query);
            storedBefore = await index.GetAsync(Space, "bob/with:odd*chars", "p-0042");
        }

        await using var restarted = Open();

        Assert.Equal(198, await restarted.CountAsync(Space, "alice"));
        Assert.Equal(50, await restarted.CountAsync(Space, "bob/with:odd*chars"));
        Assert.Null(await restarted.GetAsync(Space, "alice", "p-0005"));
        var storedAfter = await restarted.GetAsync(Space, "bob/with:odd*chars", "p-0042");
        Assert.Equal(storedBefore!.Payload.OrderBy(p => p.Key), storedAfter!.Payload.OrderBy(p => p.Key));
        Assert.Equal(storedBefore.Vector, storedAfter.Vector);
        var after = await restarted.SearchAsync(Space, query);
        Assert.Equal(before.Select(h => (h.Id, h.Score)), after.Select(h => (h.Id, h.Score)));
    }

    [Fact]
    public async Task Changes_are_written_after_the_flush_delay_and_on_dispose()
    {
        var time = new FakeTimeProvider();
        var index = Open(time);
        await index.UpsertAsync(Space, "alice", TestPoints.Random(10, seed: 23));
        Assert.Empty(SnapshotFiles());

        time.Advance(TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => SnapshotFiles().Length == 1);

        await index.DeleteAsync(Space, "alice", ["p-0000"]);
        await index.DisposeAsync(); // before the delay: dispose must write it

        await using var restarted = Open();
        Assert.Equal(9, await restarted.CountAsync(Space, "alice"));
    }

    [Fact]
    public async Task A_committed_build_is_on_disk_before_it_serves_and_survives_a_restart()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", TestPoints.Random(10, seed: 24));
            await index.FlushAsync();
            await using var build = await index.BeginBuildAsync(Space, "twin-v2");
            await build.UpsertAsync("alice", TestPoints.Random(7, seed: 25, idPrefix: "v2"));
            await build.CommitAsync();
            Assert.Equal("twin-v2", await index.ServingVersionAsync(Space));
        }

        Assert.All(SnapshotFiles(), f => Assert.Contains("twin-v2", f));
        await using var restarted = Open();
        Assert.Equal("twin-v2", await restarted.ServingVersionAsync(Space));
        Assert.Equal(7, await restarted.CountAsync(Space, "alice"));
        Assert.NotNull(await restarted.GetAsync(Space, "alice", "v2-0003"));
    }

    [Fact]
    public async Task A_build_that_never_commits_leaves_the_old_version_serving_after_a_restart()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", TestPoints.Random(10, seed: 26));
            await using var build = await index.BeginBuildAsync(Space, "twin-v3");
            await build.UpsertAsync("alice", TestPoints.Random(3, seed: 27));
            // The process stops mid-build.
        }

        // A crash mid-commit leaves a half-written version folder; it is ignored and removed.
        Directory.CreateDirectory(Path.Combine(_directory, "properties", "twin-v4"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "properties", "twin-v4", "tenant-x.vectors"), "half");

        await using var restarted = Open();
        Assert.Equal(EmbeddedVectorIndex.InitialVersion, await restarted.ServingVersionAsync(Space));
        Assert.Equal(10, await restarted.CountAsync(Space, "alice"));
        Assert.False(Directory.Exists(Path.Combine(_directory, "properties", "twin-v4")));
    }

    [Fact]
    public async Task Deleting_a_tenants_last_point_removes_its_snapshot()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", TestPoints.Random(2, seed: 28));
            await index.FlushAsync();
            await index.DeleteAsync(Space, "alice", ["p-0000", "p-0001"]);
        }

        Assert.Empty(SnapshotFiles());
    }

    [Fact]
    public async Task A_damaged_snapshot_fails_the_first_use_and_names_the_file()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", TestPoints.Random(20, seed: 29));
        }

        var file = Assert.Single(SnapshotFiles());
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length - 7)]);

        await using var restarted = Open();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => restarted.EnsureSpaceAsync(Space));
        Assert.Contains(file, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public async Task A_snapshot_of_another_dimension_is_refused()
    {
        await using (var index = Open())
        {
            await index.UpsertAsync(Space, "alice", TestPoints.Random(5, seed: 30));
        }

        await using var restarted = Open();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => restarted.EnsureSpaceAsync(TestPoints.Space("properties", 32)));
        Assert.Contains("16-dimensional", error.Message);
    }

    [Fact]
    public async Task Concurrent_searches_and_writes_stay_consistent()
    {
        using var index = new EmbeddedVectorIndex(new EmbeddedVectorIndexOptions { DataDirectory = null });
        var points = TestPoints.Random(500, seed: 31);
        await index.UpsertAsync(Space, "alice", points[..250]);
        var query = new VectorQuery("alice", TestPoints.RandomVector(new Random(32)), 10);

        var writer = Task.Run(async () =>
        {
            for (var i = 250; i < 500; i++)
            {
                await index.UpsertAsync(Space, "alice", [points[i]]);
                await index.DeleteAsync(Space, "alice", [points[i - 250].Id]);
            }
        });
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!writer.IsCompleted)
            {
                var hits = await index.SearchAsync(Space, query);
                Assert.Equal(10, hits.Count);
                Assert.Equal(10, hits.Select(h => h.Id).Distinct().Count());
            }
        }));
        await Task.WhenAll([writer, .. readers]);

        Assert.Equal(250, await index.CountAsync(Space, "alice"));
        Assert.Equal(
            TestPoints.BruteForce(points[250..], query.Vector, 10, _ => true).Select(e => e.Id),
            (await index.SearchAsync(Space, query)).Select(h => h.Id));
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
