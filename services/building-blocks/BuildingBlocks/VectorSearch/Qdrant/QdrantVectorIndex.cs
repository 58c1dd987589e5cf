using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// <see cref="IVectorIndex"/> over Qdrant's REST API: one collection (cosine distance) for all tenants, scoped by a
/// <c>tenant_id</c> payload condition on every read and by tenant-derived point ids on every write. The collection and
/// its payload indexes are created on first use.
/// </summary>
public sealed class QdrantVectorIndex(HttpClient httpClient, IOptions<QdrantOptions> options) : IVectorIndex
{
    public const string TenantField = "tenant_id";
    public const string IdField = "point_id";
    public const string PropertyTypeField = "property_type";
    public const string PriceField = "price";
    public const string BedroomsField = "bedrooms";
    public const string LocationField = "location";
    public const string StatusField = "status";

    private readonly QdrantOptions _options = options.Value;
    private readonly SemaphoreSlim _ensureGate = new(1, 1);
    private volatile bool _collectionReady;

    public QdrantVectorIndex(HttpClient httpClient, QdrantOptions options)
        : this(httpClient, Options.Create(options))
    {
    }

    private string CollectionPath => $"collections/{Uri.EscapeDataString(_options.Collection)}";

    public async Task UpsertAsync(IReadOnlyList<VectorPoint> points, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsurePoints(points, _options.Dimension);
        await EnsureCollectionAsync(cancellationToken);
        foreach (var batch in points.Chunk(_options.UpsertBatchSize))
        {
            var body = new JsonObject { ["points"] = new JsonArray([.. batch.Select(ToPointJson)]) };
            using var _ = await SendAsync(HttpMethod.Put, $"{CollectionPath}/points?wait=true", body, cancellationToken);
        }
    }

    public async Task DeleteAsync(string tenantId, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        await EnsureCollectionAsync(cancellationToken);
        var body = new JsonObject { ["points"] = PointIds(tenantId, ids) };
        using var _ = await SendAsync(HttpMethod.Post, $"{CollectionPath}/points/delete?wait=true", body, cancellationToken);
    }

    public async Task<IReadOnlyList<VectorHit>> SearchAsync(float[] vector, int limit, VectorFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vector);
        VectorIndexGuards.EnsureQuery(limit, filter);
        VectorMath.EnsureValid(vector, _options.Dimension, "Search query");
        var body = new JsonObject { ["query"] = new JsonArray([.. vector.Select(c => (JsonNode)c)]) };
        return await ScoredPointsAsync("points/query", body, limit, filter, result => result.GetProperty("points"), cancellationToken);
    }

    /// <remarks>
    /// Uses <c>/points/recommend</c> rather than the Query API's <c>recommend</c>: Qdrant releases before mid-2026
    /// silently drop missing example ids in the Query API (qdrant/qdrant#9390), while this endpoint always answers 404,
    /// which is what lets us report an unknown (or another tenant's) example instead of recommending from fewer examples.
    /// </remarks>
    public async Task<IReadOnlyList<VectorHit>> RecommendAsync(
        IReadOnlyList<string> positiveIds, IReadOnlyList<string> negativeIds, int limit, VectorFilter filter,
        CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureExamples(positiveIds, negativeIds);
        VectorIndexGuards.EnsureQuery(limit, filter);
        var body = new JsonObject
        {
            ["positive"] = PointIds(filter.TenantId, positiveIds),
            ["negative"] = PointIds(filter.TenantId, negativeIds),
            ["strategy"] = "average_vector",
        };
        try
        {
            return await ScoredPointsAsync("points/recommend", body, limit, filter, result => result, cancellationToken);
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Example ids are tenant-scoped UUIDs, so another tenant's point is "not found" too.
            throw new KeyNotFoundException(
                $"An example point of [{string.Join(", ", positiveIds.Concat(negativeIds))}] does not exist in tenant '{filter.TenantId}'.", e);
        }
    }

    public async Task<VectorPoint?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        ArgumentNullException.ThrowIfNull(id);
        await EnsureCollectionAsync(cancellationToken);
        var body = new JsonObject
        {
            ["ids"] = PointIds(tenantId, [id]),
            ["with_payload"] = true,
            ["with_vector"] = true,
        };
        using var response = await SendAsync(HttpMethod.Post, $"{CollectionPath}/points", body, cancellationToken);
        foreach (var point in response.RootElement.GetProperty("result").EnumerateArray())
        {
            var payload = ReadPayload(point.GetProperty("payload"));
            if (payload.TenantId == tenantId)
            {
                return new VectorPoint(id, [.. point.GetProperty("vector").EnumerateArray().Select(c => c.GetSingle())], payload);
            }
        }

        return null;
    }

    public async Task<long> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        VectorIndexGuards.EnsureTenant(tenantId);
        await EnsureCollectionAsync(cancellationToken);
        var body = new JsonObject
        {
            ["filter"] = new JsonObject { ["must"] = new JsonArray(Match(TenantField, tenantId)) },
            ["exact"] = true,
        };
        using var response = await SendAsync(HttpMethod.Post, $"{CollectionPath}/points/count", body, cancellationToken);
        return response.RootElement.GetProperty("result").GetProperty("count").GetInt64();
    }

    /// <summary>Creates the collection and the payload indexes the filters use, once per process; checks an existing collection's size.</summary>
    public async Task EnsureCollectionAsync(CancellationToken cancellationToken = default)
    {
        if (_collectionReady)
        {
            return;
        }

        await _ensureGate.WaitAsync(cancellationToken);
        try
        {
            if (_collectionReady)
            {
                return;
            }

            using (var existing = await SendOrNotFoundAsync(HttpMethod.Get, CollectionPath, body: null, cancellationToken, allowNotFound: true))
            {
                if (existing is null)
                {
                    var create = new JsonObject
                    {
                        ["vectors"] = new JsonObject { ["size"] = _options.Dimension, ["distance"] = "Cosine" },
                    };
                    using var _ = await SendAsync(HttpMethod.Put, CollectionPath, create, cancellationToken);
                }
                else
                {
                    EnsureCompatible(existing.RootElement);
                }
            }

            // Creating an index that exists is a no-op in Qdrant, so this is safe on every start.
            JsonNode tenantSchema = new JsonObject { ["type"] = "keyword", ["is_tenant"] = true };
            (string Field, JsonNode Schema)[] indexes =
            [
                (TenantField, tenantSchema), (PropertyTypeField, "keyword"), (StatusField, "keyword"),
                (PriceField, "float"), (BedroomsField, "integer"), (LocationField, "geo"),
            ];
            foreach (var (field, schema) in indexes)
            {
                var body = new JsonObject { ["field_name"] = field, ["field_schema"] = schema };
                using var _ = await SendAsync(HttpMethod.Put, $"{CollectionPath}/index?wait=true", body, cancellationToken);
            }

            _collectionReady = true;
        }
        finally
        {
            _ensureGate.Release();
        }
    }

    private void EnsureCompatible(JsonElement collectionInfo)
    {
        var vectors = collectionInfo.GetProperty("result").GetProperty("config").GetProperty("params").GetProperty("vectors");
        if (!vectors.TryGetProperty("size", out _))
        {
            throw new InvalidOperationException(
                $"Qdrant collection '{_options.Collection}' uses named vectors; this adapter needs a single unnamed vector. Use another Collection.");
        }

        var size = vectors.GetProperty("size").GetInt32();
        var distance = vectors.GetProperty("distance").GetString();
        if (size != _options.Dimension || !string.Equals(distance, "Cosine", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Qdrant collection '{_options.Collection}' has {size}-dimensional {distance} vectors; VectorIndex:Qdrant expects " +
                $"{_options.Dimension}-dimensional Cosine. Use another Collection or recreate it.");
        }
    }

    /// <summary>Adds the filter, limit and payload selection to <paramref name="body"/>, posts it and reads the scored points.</summary>
    private async Task<IReadOnlyList<VectorHit>> ScoredPointsAsync(
        string endpoint, JsonObject body, int limit, VectorFilter filter, Func<JsonElement, JsonElement> pointsOf,
        CancellationToken cancellationToken)
    {
        if (filter.OnlyIds is { Count: 0 })
        {
            return [];
        }

        await EnsureCollectionAsync(cancellationToken);
        body["filter"] = ToFilterJson(filter);
        body["limit"] = limit;
        body["with_payload"] = true;
        body["with_vector"] = false;
        using var response = await SendAsync(HttpMethod.Post, $"{CollectionPath}/{endpoint}", body, cancellationToken);
        var hits = new List<VectorHit>();
        foreach (var point in pointsOf(response.RootElement.GetProperty("result")).EnumerateArray())
        {
            var payload = point.GetProperty("payload");
            hits.Add(new VectorHit(payload.GetProperty(IdField).GetString()!, point.GetProperty("score").GetSingle(), ReadPayload(payload)));
        }

        return hits;
    }

    /// <summary>The filter as Qdrant conditions: everything in <c>must</c>, excluded ids in <c>must_not</c>.</summary>
    public static JsonObject ToFilterJson(VectorFilter filter)
    {
        var must = new JsonArray(Match(TenantField, filter.TenantId));
        if (filter.PropertyTypes is { Count: > 0 } types)
        {
            must.Add(new JsonObject
            {
                ["key"] = PropertyTypeField,
                ["match"] = new JsonObject { ["any"] = new JsonArray([.. types.Select(t => (JsonNode)t)]) },
            });
        }

        if (filter.MinPrice is not null || filter.MaxPrice is not null)
        {
            must.Add(Range(PriceField, filter.MinPrice, filter.MaxPrice));
        }

        if (filter.MinBedrooms is not null || filter.MaxBedrooms is not null)
        {
            must.Add(Range(BedroomsField, filter.MinBedrooms, filter.MaxBedrooms));
        }

        if (filter.Radius is { } radius)
        {
            must.Add(new JsonObject
            {
                ["key"] = LocationField,
                ["geo_radius"] = new JsonObject
                {
                    ["center"] = new JsonObject { ["lat"] = radius.Latitude, ["lon"] = radius.Longitude },
                    ["radius"] = radius.RadiusKm * 1000,
                },
            });
        }

        if (filter.Status is { } status)
        {
            must.Add(Match(StatusField, status));
        }

        if (filter.OnlyIds is { } only)
        {
            must.Add(new JsonObject { ["has_id"] = PointIds(filter.TenantId, only) });
        }

        var result = new JsonObject { ["must"] = must };
        if (filter.ExcludeIds is { Count: > 0 } excluded)
        {
            result["must_not"] = new JsonArray(new JsonObject { ["has_id"] = PointIds(filter.TenantId, excluded) });
        }

        return result;
    }

    private static JsonObject Match(string key, string value) =>
        new() { ["key"] = key, ["match"] = new JsonObject { ["value"] = value } };

    private static JsonObject Range(string key, double? min, double? max)
    {
        var range = new JsonObject();
        if (min is { } gte)
        {
            range["gte"] = gte;
        }

        if (max is { } lte)
        {
            range["lte"] = lte;
        }

        return new JsonObject { ["key"] = key, ["range"] = range };
    }

    private static JsonArray PointIds(string tenantId, IEnumerable<string> ids) =>
        new([.. ids.Select(id => (JsonNode)QdrantPointIds.For(tenantId, id))]);

    private static JsonObject ToPointJson(VectorPoint point) => new()
    {
        ["id"] = QdrantPointIds.For(point.Payload.TenantId, point.Id),
        ["vector"] = new JsonArray([.. point.Vector.Select(c => (JsonNode)c)]),
        ["payload"] = new JsonObject
        {
            [TenantField] = point.Payload.TenantId,
            [IdField] = point.Id,
            [PropertyTypeField] = point.Payload.PropertyType,
            [PriceField] = point.Payload.Price,
            [BedroomsField] = point.Payload.Bedrooms,
            [LocationField] = new JsonObject { ["lat"] = point.Payload.Latitude, ["lon"] = point.Payload.Longitude },
            [StatusField] = point.Payload.Status,
        },
    };

    private static VectorPayload ReadPayload(JsonElement payload)
    {
        var location = payload.GetProperty(LocationField);
        return new VectorPayload(
            payload.GetProperty(TenantField).GetString()!,
            payload.GetProperty(PropertyTypeField).GetString()!,
            payload.GetProperty(PriceField).GetDouble(),
            payload.GetProperty(BedroomsField).GetInt32(),
            location.GetProperty("lat").GetDouble(),
            location.GetProperty("lon").GetDouble(),
            payload.GetProperty(StatusField).GetString()!);
    }

    /// <summary>Sends one request; a non-success answer throws <see cref="HttpRequestException"/> with Qdrant's error text.</summary>
    private async Task<JsonDocument> SendAsync(HttpMethod method, string relativePath, JsonNode? body, CancellationToken cancellationToken) =>
        (await SendOrNotFoundAsync(method, relativePath, body, cancellationToken, allowNotFound: false))!;

    private async Task<JsonDocument?> SendOrNotFoundAsync(
        HttpMethod method, string relativePath, JsonNode? body, CancellationToken cancellationToken, bool allowNotFound)
    {
        using var request = new HttpRequestMessage(method, new Uri(new Uri(_options.Url.TrimEnd('/') + "/"), relativePath));
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            request.Headers.Add("api-key", _options.ApiKey);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await httpClient.SendAsync(request, cancellationToken);
        if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"Qdrant {method} /{relativePath} answered {(int)response.StatusCode} {response.StatusCode}: {ErrorText(text)}",
                inner: null, response.StatusCode);
        }

        return JsonDocument.Parse(text);
    }

    private static string ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
                && status.TryGetProperty("error", out var error))
            {
                return error.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's error page, say): show it as it is.
        }

        return body.Length > 500 ? body[..500] : body;
    }
}
