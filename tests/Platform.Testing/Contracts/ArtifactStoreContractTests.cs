using Platform.BuildingBlocks.Artifacts;
using Xunit;

namespace Platform.Testing.Contracts;

/// <summary>
/// The behaviour every <see cref="IArtifactStore"/> adapter must have. Derive once per adapter; the tests use fresh random
/// ids, so one shared store is fine.
/// </summary>
public abstract class ArtifactStoreContractTests
{
    protected abstract Task<IArtifactStore> CreateStoreAsync();

    private static string NewId(string name = "artifact.bin") => $"contract/{Guid.NewGuid():N}/{name}";

    private static async Task<byte[]> ReadAllAsync(IArtifactStore store, string id)
    {
        await using var stream = await store.OpenReadAsync(id);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Put_then_open_returns_the_same_bytes()
    {
        var store = await CreateStoreAsync();
        var id = NewId("model.zip");
        // Every byte value, plus bytes that spell valid base64 and JSON, which a text-minded transport could mangle.
        byte[] content = [.. Enumerable.Range(0, 256).Select(i => (byte)i), .. "QUJD\"{}\n"u8.ToArray()];

        await store.PutAsync(id, new MemoryStream(content));

        Assert.Equal(content, await ReadAllAsync(store, id));
        Assert.True(await store.ExistsAsync(id));
    }

    [Fact]
    public async Task Put_of_an_existing_id_replaces_the_content()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.PutAsync(id, new MemoryStream([1, 2, 3, 4, 5]));

        await store.PutAsync(id, new MemoryStream([9]));

        Assert.Equal([9], await ReadAllAsync(store, id));
    }

    [Fact]
    public async Task An_empty_artifact_round_trips()
    {
        var store = await CreateStoreAsync();
        var id = NewId("empty.txt");

        await store.PutAsync(id, new MemoryStream());

        Assert.Empty(await ReadAllAsync(store, id));
        Assert.True(await store.ExistsAsync(id));
    }

    [Fact]
    public async Task A_missing_artifact_does_not_exist_and_opening_it_throws_FileNotFound()
    {
        var store = await CreateStoreAsync();
        var id = NewId();

        Assert.False(await store.ExistsAsync(id));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync(id));
    }

    [Fact]
    public async Task Delete_removes_the_artifact_and_deleting_a_missing_one_is_not_an_error()
    {
        var store = await CreateStoreAsync();
        var id = NewId();
        await store.PutAsync(id, new MemoryStream([1]));

        await store.DeleteAsync(id);
        await store.DeleteAsync(id);

        Assert.False(await store.ExistsAsync(id));
    }

    [Theory]
    [InlineData("../escape.bin")]
    [InlineData("models//double-slash")]
    [InlineData("/absolute")]
    [InlineData("spaces are not allowed")]
    [InlineData("")]
    public async Task Ids_that_could_escape_the_store_are_rejected(string id)
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(id, new MemoryStream([1])));
    }
}
