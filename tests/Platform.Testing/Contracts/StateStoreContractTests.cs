using System.Text;
using Platform.BuildingBlocks.StateStore;
using Xunit;

namespace Platform.Testing.Contracts;

/// <summary>
/// The behaviour every <see cref="IStateStore"/> adapter must have. Derive once per adapter and return a store from
/// <see cref="CreateStoreAsync"/>; the tests use fresh random key namespaces, so one shared (even persistent) store is fine.
/// </summary>
public abstract class StateStoreContractTests
{
    /// <summary>The store under test. It may be shared between tests and hold other keys.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    private static string NewNamespace() => "contract" + Guid.NewGuid().ToString("N")[..12];

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Get_of_a_missing_key_returns_null()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetAsync(NewNamespace() + "|missing"));
    }

    [Fact]
    public async Task Save_then_get_returns_the_value_and_the_etag_save_returned()
    {
        var store = await CreateStoreAsync();
        var key = NewNamespace() + "|a";
        byte[] value = [0, 1, 2, 255, .. Bytes("payload")];

        var etag = await store.SaveAsync(key, value);
        var entry = await store.GetAsync(key);

        Assert.NotNull(entry);
        Assert.Equal(key, entry.Key);
        Assert.Equal(value, entry.Value);
        Assert.Equal(etag, entry.ETag);
    }

    [Fact]
    public async Task Save_with_the_current_etag_replaces_the_value_and_changes_the_etag()
    {
        var store = await CreateStoreAsync();
        var key = NewNamespace() + "|a";
        var first = await store.SaveAsync(key, Bytes("one"));

        var second = await store.SaveAsync(key, Bytes("two"), first);

        Assert.NotEqual(first, second);
        Assert.Equal(Bytes("two"), (await store.GetAsync(key))!.Value);
    }

    [Fact]
    public async Task Save_with_a_stale_etag_throws_and_keeps_the_newer_value()
    {
        var store = await CreateStoreAsync();
        var key = NewNamespace() + "|a";
        var stale = await store.SaveAsync(key, Bytes("one"));
        await store.SaveAsync(key, Bytes("two"), stale);

        var error = await Assert.ThrowsAsync<StateConcurrencyException>(() => store.SaveAsync(key, Bytes("three"), stale));

        Assert.Equal(key, error.Key);
        Assert.Equal(Bytes("two"), (await store.GetAsync(key))!.Value);
    }

    [Fact]
    public async Task Save_with_an_etag_of_a_missing_key_throws()
    {
        var store = await CreateStoreAsync();
        var other = await store.SaveAsync(NewNamespace() + "|other", Bytes("x"));

        await Assert.ThrowsAsync<StateConcurrencyException>(() => store.SaveAsync(NewNamespace() + "|missing", Bytes("y"), other));
    }

    [Fact]
    public async Task Save_without_etag_overwrites_unconditionally()
    {
        var store = await CreateStoreAsync();
        var key = NewNamespace() + "|a";
        await store.SaveAsync(key, Bytes("one"));

        await store.SaveAsync(key, Bytes("two"));

        Assert.Equal(Bytes("two"), (await store.GetAsync(key))!.Value);
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_throws_and_keeps_the_key_while_the_current_etag_deletes_it()
    {
        var store = await CreateStoreAsync();
        var key = NewNamespace() + "|a";
        var stale = await store.SaveAsync(key, Bytes("one"));
        var current = await store.SaveAsync(key, Bytes("two"));

        await Assert.ThrowsAsync<StateConcurrencyException>(() => store.DeleteAsync(key, stale));
        Assert.NotNull(await store.GetAsync(key));

        await store.DeleteAsync(key, current);
        Assert.Null(await store.GetAsync(key));
    }

    [Fact]
    public async Task Delete_of_a_missing_key_is_not_an_error()
    {
        var store = await CreateStoreAsync();
        await store.DeleteAsync(NewNamespace() + "|missing");
    }

    [Fact]
    public async Task Transaction_applies_upserts_and_deletes_together()
    {
        var store = await CreateStoreAsync();
        var ns = NewNamespace();
        var existing = await store.SaveAsync(ns + "|old", Bytes("old"));
        var updated = await store.SaveAsync(ns + "|updated", Bytes("v1"));

        await store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(ns + "|new", Bytes("new")),
            StateOperation.Upsert(ns + "|updated", Bytes("v2"), updated),
            StateOperation.Delete(ns + "|old", existing),
        ]);

        Assert.Equal(Bytes("new"), (await store.GetAsync(ns + "|new"))!.Value);
        Assert.Equal(Bytes("v2"), (await store.GetAsync(ns + "|updated"))!.Value);
        Assert.Null(await store.GetAsync(ns + "|old"));
        Assert.Equal([ns + "|new", ns + "|updated"], await store.ListKeysAsync(ns + "|"));
    }

    [Fact]
    public async Task Transaction_with_one_stale_etag_applies_nothing()
    {
        var store = await CreateStoreAsync();
        var ns = NewNamespace();
        var stale = await store.SaveAsync(ns + "|guarded", Bytes("v1"));
        await store.SaveAsync(ns + "|guarded", Bytes("v2"));
        await store.SaveAsync(ns + "|doomed", Bytes("keep me"));

        await Assert.ThrowsAsync<StateConcurrencyException>(() => store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert(ns + "|new", Bytes("new")),
            StateOperation.Delete(ns + "|doomed"),
            StateOperation.Upsert(ns + "|guarded", Bytes("v3"), stale),
        ]));

        Assert.Null(await store.GetAsync(ns + "|new"));
        Assert.Equal(Bytes("keep me"), (await store.GetAsync(ns + "|doomed"))!.Value);
        Assert.Equal(Bytes("v2"), (await store.GetAsync(ns + "|guarded"))!.Value);
        Assert.Equal([ns + "|doomed", ns + "|guarded"], await store.ListKeysAsync(ns + "|"));
    }

    [Fact]
    public async Task ListKeys_returns_the_keys_with_the_prefix_in_ordinal_order_and_forgets_deleted_keys()
    {
        var store = await CreateStoreAsync();
        var ns = NewNamespace();
        foreach (var key in new[] { ns + "|b", ns + "|a|2", ns + "|a|10", ns + "X|c", ns + "|gone" })
        {
            await store.SaveAsync(key, Bytes(key));
        }

        await store.DeleteAsync(ns + "|gone");

        Assert.Equal([ns + "|a|10", ns + "|a|2", ns + "|b"], await store.ListKeysAsync(ns + "|"));
        Assert.Equal([ns + "|a|10", ns + "|a|2"], await store.ListKeysAsync(ns + "|a|"));
        Assert.Equal([ns + "X|c", ns + "|a|10", ns + "|a|2", ns + "|b"], await store.ListKeysAsync(ns));
        Assert.Empty(await store.ListKeysAsync(NewNamespace()));
    }

    [Fact]
    public async Task Concurrent_writers_of_new_keys_in_one_namespace_are_all_listed()
    {
        var store = await CreateStoreAsync();
        var ns = NewNamespace();
        var keys = Enumerable.Range(0, 16).Select(i => $"{ns}|k{i:D2}").ToList();

        await Task.WhenAll(keys.Select(key => Task.Run(() => store.SaveAsync(key, Bytes(key)))));

        Assert.Equal(keys, await store.ListKeysAsync(ns + "|"));
    }
}
