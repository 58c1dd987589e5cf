using System.Net;
using System.Text.Json.Nodes;
using Platform.BuildingBlocks.VectorSearch;
using Platform.BuildingBlocks.VectorSearch.Qdrant;

namespace Platform.VectorSearch.Tests;

/// <summary>What the Qdrant adapter must do on the wire beyond the shared contract.</summary>
public sealed class QdrantVectorIndexTests(FakeQdrantFixture fixture) : IClassFixture<FakeQdrantFixture>
{
    [Fact]
    public async Task The_collection_is_created_with_cosine_distance_and_payload_indexes_for_every_filter_field()
    {
        var options = fixture.Options();
        var index = new QdrantVectorIndex(fixture.Http, options);

        await index.CountAsync("alice");

        var collection = fixture.Server.Collection(options.Collection)!;
        Assert.Equal(TestPoints.Dimension, collection.Size);
        Assert.Equal("Cosine", collection.Distance);
        Assert.Equal("""{"type":"keyword","is_tenant":true}""", collection.PayloadIndexes["tenant_id"]);
        Assert.Equal("\"keyword\"", collection.PayloadIndexes["property_type"]);
        Assert.Equal("\"keyword\"", collection.PayloadIndexes["status"]);
        Assert.Equal("\"float\"", collection.PayloadIndexes["price"]);
        Assert.Equal("\"integer\"", collection.PayloadIndexes["bedrooms"]);
        Assert.Equal("\"geo\"", collection.PayloadIndexes["location"]);
    }

    [Fact]
    public async Task Upserts_go_in_batches_of_the_configured_size()
    {
        var options = fixture.Options();
        options.UpsertBatchSize = 100;
        var index = new QdrantVectorIndex(fixture.Http, options);

        await index.UpsertAsync(TestPoints.Random("alice", 250, seed: 30));

        Assert.Equal([100, 100, 50], fixture.Server.Collection(options.Collection)!.UpsertBatches);
        Assert.Equal(250, await index.CountAsync("alice"));
    }

    [Fact]
    public async Task The_collection_is_set_up_once_per_index()
    {
        var options = fixture.Options();
        var index = new QdrantVectorIndex(fixture.Http, options);

        await index.UpsertAsync(TestPoints.Random("alice", 3, seed: 31));
        await index.SearchAsync(TestPoints.RandomVector(new Random(1)), 2, new VectorFilter("alice"));

        var path = $"/collections/{options.Collection}";
        Assert.Single(fixture.Server.Requests, r => r == $"PUT {path}");
        Assert.Equal(6, fixture.Server.Requests.Count(r => r == $"PUT {path}/index"));
    }

    [Fact]
    public async Task A_wrong_api_key_fails_with_qdrants_answer()
    {
        var index = new QdrantVectorIndex(fixture.Http, fixture.Options(apiKey: "wrong-key"));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => index.CountAsync("alice"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("API key", error.Message);
    }

    [Fact]
    public async Task An_existing_collection_of_another_dimension_is_reported()
    {
        var name = "other-" + Guid.NewGuid().ToString("N");
        fixture.Server.CreateCollection(name, size: 32);
        var index = new QdrantVectorIndex(fixture.Http, fixture.Options(collection: name));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => index.CountAsync("alice"));

        Assert.Contains("32-dimensional", error.Message);
        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void Filters_are_sent_as_qdrant_conditions()
    {
        var filter = new VectorFilter("t1")
        {
            PropertyTypes = ["house", "cabin"],
            MinPrice = 1_000_000,
            MaxPrice = 2_000_000,
            MinBedrooms = 2,
            Radius = new GeoRadius(59.9, 10.75, 2.5),
            Status = "active",
            OnlyIds = ["a"],
            ExcludeIds = ["b"],
        };
        // Written from Qdrant's filtering documentation: must/must_not, match value/any, range, geo_radius in metres, has_id.
        var expected = JsonNode.Parse($$"""
            {
              "must": [
                { "key": "tenant_id", "match": { "value": "t1" } },
                { "key": "property_type", "match": { "any": ["house", "cabin"] } },
                { "key": "price", "range": { "gte": 1000000, "lte": 2000000 } },
                { "key": "bedrooms", "range": { "gte": 2 } },
                { "key": "location", "geo_radius": { "center": { "lat": 59.9, "lon": 10.75 }, "radius": 2500 } },
                { "key": "status", "match": { "value": "active" } },
                { "has_id": ["{{QdrantPointIds.For("t1", "a")}}"] }
              ],
              "must_not": [ { "has_id": ["{{QdrantPointIds.For("t1", "b")}}"] } ]
            }
            """);

        var actual = QdrantVectorIndex.ToFilterJson(filter);

        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(actual.ToJsonString())), actual.ToJsonString());
    }

    [Fact]
    public void Point_ids_are_deterministic_uuids_scoped_by_tenant()
    {
        var id = QdrantPointIds.For("alice", "p-1");

        Assert.Equal(id, QdrantPointIds.For("alice", "p-1"));
        Assert.NotEqual(id, QdrantPointIds.For("bob", "p-1"));
        Assert.NotEqual(id, QdrantPointIds.For("alice", "p-2"));
        Assert.NotEqual(QdrantPointIds.For("a", "bc"), QdrantPointIds.For("ab", "c"));
        var uuid = Guid.Parse(id);
        Assert.Equal(5, uuid.Version);
        Assert.Contains(id[19], "89ab"); // RFC 9562 variant bits
    }
}
