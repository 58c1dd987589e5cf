using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Platform.VectorSearch.Tests;

/// <summary>
/// A stand-in for Qdrant that speaks its REST JSON for the calls the adapter makes: a real Kestrel server on a loopback
/// port, so requests, headers and JSON go over HTTP. Search is a deliberately simple exact scan (cosine in double
/// precision) with its own filter evaluation, written from Qdrant's documented semantics rather than shared with the
/// embedded index, so both adapters are checked against independent references. Unknown condition shapes answer 400,
/// as Qdrant does, so a malformed request cannot pass silently.
/// </summary>
public sealed class FakeQdrantServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeCollection> _collections = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];

    private FakeQdrantServer(WebApplication app, string apiKey)
    {
        _app = app;
        ApiKey = apiKey;
    }

    public string ApiKey { get; }

    public string Url { get; private set; } = "";

    /// <summary>"METHOD /path" of every request that passed the api-key check, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeQdrantServer> StartAsync(string apiKey = "test-api-key")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeQdrantServer(app, apiKey);
        server.Map(app);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    public FakeCollection? Collection(string name)
    {
        lock (_gate)
        {
            return _collections.GetValueOrDefault(name);
        }
    }

    /// <summary>Creates a collection directly, as if another process had made it.</summary>
    public void CreateCollection(string name, int size)
    {
        lock (_gate)
        {
            _collections[name] = new FakeCollection(size, "Cosine");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers["api-key"] != ApiKey)
            {
                await Answer(context, 401, Error("Must provide an API key or an Authorization bearer token"));
                return;
            }

            lock (_gate)
            {
                _requests.Add($"{context.Request.Method} {context.Request.Path}");
            }

            try
            {
                await next(context);
            }
            catch (BadRequest e)
            {
                await Answer(context, 400, Error("Wrong input: " + e.Message));
            }
            catch (NotFound e)
            {
                await Answer(context, 404, Error("Not found: " + e.Message));
            }
        });

        app.MapGet("/collections/{name}", (string name, HttpContext context) => Handle(context, _ =>
        {
            var collection = Existing(name);
            return new JsonObject
            {
                ["status"] = "green",
                ["points_count"] = collection.Points.Count,
                ["config"] = new JsonObject
                {
                    ["params"] = new JsonObject
                    {
                        ["vectors"] = new JsonObject { ["size"] = collection.Size, ["distance"] = collection.Distance },
                    },
                },
            };
        }));

        app.MapPut("/collections/{name}", (string name, HttpContext context) => Handle(context, body =>
        {
            var vectors = Required(body, "vectors");
            var size = Required(vectors, "size").GetInt32();
            var distance = Required(vectors, "distance").GetString()!;
            if (distance is not ("Cosine" or "Dot" or "Euclid" or "Manhattan"))
            {
                throw new BadRequest($"unknown distance {distance}");
            }

            if (_collections.ContainsKey(name))
            {
                throw new BadRequest($"Collection `{name}` already exists!");
            }

            _collections[name] = new FakeCollection(size, distance);
            return true;
        }));

        app.MapPut("/collections/{name}/index", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            var field = Required(body, "field_name").GetString()!;
            var schema = Required(body, "field_schema");
            var type = schema.ValueKind == JsonValueKind.String ? schema.GetString() : Required(schema, "type").GetString();
            if (type is not ("keyword" or "integer" or "float" or "geo" or "text" or "bool" or "datetime" or "uuid"))
            {
                throw new BadRequest($"unknown field schema {schema}");
            }

            collection.PayloadIndexes[field] = schema.GetRawText();
            return Completed();
        }));

        app.MapPut("/collections/{name}/points", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            var points = Required(body, "points").EnumerateArray().Select(point =>
            {
                var vector = Required(point, "vector").EnumerateArray().Select(c => c.GetDouble()).ToArray();
                if (vector.Length != collection.Size)
                {
                    throw new BadRequest($"Vector dimension error: expected dim: {collection.Size}, got {vector.Length}");
                }

                // Qdrant stores cosine vectors normalised.
                var norm = Math.Sqrt(vector.Sum(c => c * c));
                return new FakePoint(PointId(Required(point, "id")), [.. vector.Select(c => c / norm)],
                    JsonNode.Parse(Required(point, "payload").GetRawText())!.AsObject());
            }).ToList();
            collection.UpsertBatches.Add(points.Count);
            foreach (var point in points)
            {
                collection.Points[point.Id] = point;
            }

            return Completed();
        }));

        app.MapPost("/collections/{name}/points/delete", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            foreach (var id in Required(body, "points").EnumerateArray())
            {
                collection.Points.Remove(PointId(id));
            }

            return Completed();
        }));

        app.MapPost("/collections/{name}/points", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            var withVector = body.TryGetProperty("with_vector", out var v) && v.GetBoolean();
            var result = new JsonArray();
            foreach (var id in Required(body, "ids").EnumerateArray().Select(PointId))
            {
                if (collection.Points.TryGetValue(id, out var point))
                {
                    var json = new JsonObject { ["id"] = point.Id, ["payload"] = point.Payload.DeepClone() };
                    if (withVector)
                    {
                        json["vector"] = new JsonArray([.. point.Vector.Select(c => (JsonNode)(float)c)]);
                    }

                    result.Add(json);
                }
            }

            return result;
        }));

        app.MapPost("/collections/{name}/points/count", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            var filter = body.TryGetProperty("filter", out var f) ? f : default;
            return new JsonObject { ["count"] = collection.Points.Values.Count(p => Matches(filter, p)) };
        }));

        app.MapPost("/collections/{name}/points/query", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            var query = Required(body, "query");
            if (query.ValueKind != JsonValueKind.Array)
            {
                throw new BadRequest($"the fake implements only nearest-vector queries, not {query}");
            }

            return new JsonObject { ["points"] = Nearest(collection, [.. query.EnumerateArray().Select(c => c.GetDouble())], body, []) };
        }));

        app.MapPost("/collections/{name}/points/recommend", (string name, HttpContext context) => Handle(context, body =>
        {
            var collection = Existing(name);
            if (body.TryGetProperty("strategy", out var strategy) && strategy.GetString() != "average_vector")
            {
                throw new BadRequest($"the fake implements only average_vector, not {strategy}");
            }

            HashSet<string> examples = [];
            double[][] Examples(string key) => body.TryGetProperty(key, out var ids)
                ? [.. ids.EnumerateArray().Select(PointId).Select(id =>
                    {
                        examples.Add(id);
                        return collection.Points.TryGetValue(id, out var p) ? p.Vector : throw new NotFound($"No point with id {id} found");
                    })]
                : [];
            var positive = Examples("positive");
            var negative = Examples("negative");
            if (positive.Length == 0)
            {
                throw new BadRequest("At least one positive vector ID required with this strategy");
            }

            // avg_pos + avg_pos - avg_neg, or avg_pos alone without negatives; the examples are not recommended.
            var averagePositive = Mean(positive);
            double[] target = negative.Length == 0
                ? averagePositive
                : [.. averagePositive.Select((a, i) => a + a - Mean(negative)[i])];
            return Nearest(collection, target, body, examples);
        }));
    }

    private static JsonArray Nearest(FakeCollection collection, double[] target, JsonElement body, HashSet<string> excluded)
    {
        if (target.Length != collection.Size)
        {
            throw new BadRequest($"Vector dimension error: expected dim: {collection.Size}, got {target.Length}");
        }

        var limit = Required(body, "limit").GetInt32();
        var filter = body.TryGetProperty("filter", out var f) ? f : default;
        var withPayload = body.TryGetProperty("with_payload", out var w) && w.GetBoolean();
        var hits = collection.Points.Values
            .Where(p => !excluded.Contains(p.Id) && Matches(filter, p))
            .Select(p => (Point: p, Score: Cosine(target, p.Vector)))
            .OrderByDescending(h => h.Score)
            .Take(limit);
        return new JsonArray([.. hits.Select(h => (JsonNode)new JsonObject
        {
            ["id"] = h.Point.Id,
            ["version"] = 1,
            ["score"] = h.Score,
            ["payload"] = withPayload ? h.Point.Payload.DeepClone() : null,
        })]);
    }

    private async Task Handle(HttpContext context, Func<JsonElement, JsonNode?> handler)
    {
        JsonElement body = default;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            body = document.RootElement.Clone();
        }

        JsonNode? result;
        lock (_gate)
        {
            result = handler(body);
        }

        await Answer(context, 200, new JsonObject { ["result"] = result, ["status"] = "ok", ["time"] = 0.0001 });
    }

    private FakeCollection Existing(string name) =>
        _collections.TryGetValue(name, out var collection) ? collection : throw new NotFound($"Collection `{name}` doesn't exist!");

    private static JsonElement Required(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value
            : throw new BadRequest($"missing field `{property}`");

    private static string PointId(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.Number when id.TryGetUInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValueKind.String when Guid.TryParse(id.GetString(), out var uuid) => uuid.ToString("D"),
        _ => throw new BadRequest($"point id {id} is neither an unsigned integer nor a UUID"),
    };

    private static bool Matches(JsonElement filter, FakePoint point)
    {
        if (filter.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return true;
        }

        var must = !filter.TryGetProperty("must", out var m) || m.EnumerateArray().All(c => Condition(c, point));
        var mustNot = filter.TryGetProperty("must_not", out var n) && n.EnumerateArray().Any(c => Condition(c, point));
        var should = !filter.TryGetProperty("should", out var s) || s.GetArrayLength() == 0 || s.EnumerateArray().Any(c => Condition(c, point));
        return must && !mustNot && should;
    }

    private static bool Condition(JsonElement condition, FakePoint point)
    {
        if (condition.TryGetProperty("has_id", out var ids))
        {
            return ids.EnumerateArray().Select(PointId).Contains(point.Id);
        }

        var key = Required(condition, "key").GetString()!;
        var value = point.Payload[key];
        if (condition.TryGetProperty("match", out var match))
        {
            if (match.TryGetProperty("value", out var expected))
            {
                return value is not null && SameValue(value, expected);
            }

            if (match.TryGetProperty("any", out var any))
            {
                return value is not null && any.EnumerateArray().Any(e => SameValue(value, e));
            }

            throw new BadRequest($"unsupported match {match}");
        }

        if (condition.TryGetProperty("range", out var range))
        {
            if (value is null)
            {
                return false;
            }

            var number = value.GetValue<double>();
            foreach (var bound in range.EnumerateObject())
            {
                var limit = bound.Value.GetDouble();
                var ok = bound.Name switch
                {
                    "gt" => number > limit,
                    "gte" => number >= limit,
                    "lt" => number < limit,
                    "lte" => number <= limit,
                    _ => throw new BadRequest($"unknown range bound {bound.Name}"),
                };
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        if (condition.TryGetProperty("geo_radius", out var geo))
        {
            if (value is null)
            {
                return false;
            }

            var center = Required(geo, "center");
            var meters = GreatCircleMeters(
                Required(center, "lat").GetDouble(), Required(center, "lon").GetDouble(),
                value["lat"]!.GetValue<double>(), value["lon"]!.GetValue<double>());
            return meters <= Required(geo, "radius").GetDouble();
        }

        throw new BadRequest($"unsupported condition {condition}");
    }

    private static bool SameValue(JsonNode value, JsonElement expected) => expected.ValueKind switch
    {
        JsonValueKind.String => value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == expected.GetString(),
        JsonValueKind.Number => value.GetValueKind() == JsonValueKind.Number && value.GetValue<double>() == expected.GetDouble(),
        JsonValueKind.True or JsonValueKind.False => value.GetValueKind() == expected.ValueKind,
        _ => throw new BadRequest($"unsupported match value {expected}"),
    };

    // Spherical law of cosines: a different formula from the adapters' haversine, equal away from rounding.
    private static double GreatCircleMeters(double lat1, double lon1, double lat2, double lon2)
    {
        const double toRadians = Math.PI / 180;
        var cosine = Math.Sin(lat1 * toRadians) * Math.Sin(lat2 * toRadians)
            + Math.Cos(lat1 * toRadians) * Math.Cos(lat2 * toRadians) * Math.Cos((lon2 - lon1) * toRadians);
        return 6_371_000 * Math.Acos(Math.Clamp(cosine, -1, 1));
    }

    private static double[] Mean(double[][] vectors) =>
        [.. Enumerable.Range(0, vectors[0].Length).Select(i => vectors.Average(v => v[i]))];

    private static double Cosine(double[] a, double[] b)
    {
        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return dot / Math.Sqrt(normA * normB);
    }

    private static JsonObject Completed() => new() { ["operation_id"] = 1, ["status"] = "completed" };

    private static JsonObject Error(string message) => new() { ["status"] = new JsonObject { ["error"] = message }, ["time"] = 0.0 };

    private static async Task Answer(HttpContext context, int statusCode, JsonNode body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public sealed record FakePoint(string Id, double[] Vector, JsonObject Payload);

    public sealed class FakeCollection(int size, string distance)
    {
        public int Size { get; } = size;

        public string Distance { get; } = distance;

        public Dictionary<string, FakePoint> Points { get; } = new(StringComparer.Ordinal);

        /// <summary>Field name → the field_schema JSON it was indexed with.</summary>
        public Dictionary<string, string> PayloadIndexes { get; } = new(StringComparer.Ordinal);

        /// <summary>Size of each upsert request, in order.</summary>
        public List<int> UpsertBatches { get; } = [];
    }

    private sealed class BadRequest(string message) : Exception(message);

    private sealed class NotFound(string message) : Exception(message);
}
