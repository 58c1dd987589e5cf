using Platform.BuildingBlocks.StateStore;
using Platform.Testing;
using Platform.Testing.Contracts;

namespace Platform.BuildingBlocks.Tests;

/// <summary>The embedded state store (a PostgreSQL table) against the same contract the Dapr adapter passes.</summary>
public sealed class PostgresStateStoreContractTests(PostgresDatabaseFixture database)
    : StateStoreContractTests, IClassFixture<PostgresDatabaseFixture>
{
    protected override Task<IStateStore> CreateStoreAsync() => Task.FromResult<IStateStore>(new PostgresStateStore(database.DataSource));

    [Fact]
    public async Task Concurrent_writers_with_the_same_etag_let_exactly_one_win()
    {
        var store = new PostgresStateStore(database.DataSource);
        var etag = await store.SaveAsync("race|counter", [0]);

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await store.SaveAsync("race|counter", [(byte)i], etag);
                return true;
            }
            catch (StateConcurrencyException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
    }
}
