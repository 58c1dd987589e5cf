using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>A tenant as requests name it: its id and its users' and properties' ids.</summary>
public sealed record FuzzTenantIds(string TenantId, IReadOnlyList<string> UserIds, IReadOnlyList<string> PropertyIds);

/// <summary>What the generator knows of the target: ids of the tenant it attacks as, the other tenant's, the admin key.</summary>
public sealed record FuzzContext(FuzzTenantIds A, FuzzTenantIds B, string AdminKey, IReadOnlyList<string> WorkflowNames);

/// <summary>
/// The credential shapes requests carry, with weights: none, malformed, tenant headers of either tenant, wrong keys, the admin
/// key. Pluggable: <see cref="Add"/> puts more shapes in (e.g. real per-tenant keys and tokens of each scope once they exist).
/// </summary>
public sealed class FuzzCredentialShapes
{
    private readonly List<(int Weight, IGen<FuzzCredential> Shape)> _shapes = [];

    public FuzzCredentialShapes Add(int weight, Gen<FuzzCredential> shape)
    {
        _shapes.Add((weight, shape));
        return this;
    }

    public Gen<FuzzCredential> Build() => Gen.Frequency([.. _shapes]);

    public static FuzzCredentialShapes Default(FuzzContext context)
    {
        const string Tenant = "X-Tenant-Id";
        const string Key = "X-Api-Key";
        string a = context.A.TenantId, b = context.B.TenantId;
        FuzzCredential Shape(string name, string? tenant, params (string Name, string Value)[] headers) =>
            new(name, tenant, headers.Select(h => KeyValuePair.Create(h.Name, h.Value)).ToList())
            {
                Admin = headers.Any(h => h is (Key, _) && h.Value == context.AdminKey),
            };

        return new FuzzCredentialShapes()
            .Add(30, Gen.Const(Shape("tenant-a header", a, (Tenant, a))))
            .Add(12, Gen.Const(Shape("admin key + tenant-a", a, (Key, context.AdminKey), (Tenant, a))))
            .Add(8, Gen.Const(Shape("admin key", null, (Key, context.AdminKey))))
            .Add(8, Gen.Const(Shape("none", null)))
            .Add(6, Gen.Const(Shape("tenant-b header", b, (Tenant, b))))
            .Add(3, Gen.Const(Shape("admin key + tenant-b", b, (Key, context.AdminKey), (Tenant, b))))
            .Add(6, Gen.OneOf("", " ", "nobody", "fuzz-a ", " fuzz-a", "FUZZ-A", "fuzz-a,fuzz-b", "../fuzz-b", new string('a', 65), "fuzz\u00e5", "fuzz-a;fuzz-b", "*", "%00")
                .Select(t => Shape("malformed tenant header", a, (Tenant, t))))
            .Add(5, Gen.String[Gen.Char.AlphaNumeric, 0, 64].Select(k => Shape("wrong api key + tenant-a", a, (Key, k), (Tenant, a))))
            .Add(4, Gen.OneOf("Bearer", "Bearer ", "Bearer x.y.z", "Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJmdXp6LWIifQ.", "Basic Zm9vOmJhcg==", "Negotiate abc", "bearer " + new string('A', 4_000))
                .Select(h => Shape("malformed bearer + tenant-a", a, ("Authorization", h), (Tenant, a))))
            .Add(2, Gen.Const(Shape("two tenant headers", a, (Tenant, a), (Tenant, b))))
            .Add(2, Gen.Const(Shape("admin key as bearer + tenant-a", a, ("Authorization", "Bearer " + context.AdminKey), (Tenant, a))));
    }
}

/// <summary>
/// Requests for every operation of the OpenAPI document: operation <c>index mod count</c>, the rest drawn with CsCheck from
/// the PCG stream of (seed, index), so any one request is regenerated from the seed and its number alone.
/// </summary>
public sealed class FuzzRequestGenerator
{
    private static readonly string[] JsonTypes =
    [
        "application/json", "application/json; charset=utf-8", "application/json; charset=bogus", "application/json; charset=utf-16",
        "application/json; charset=\"utf-8\"", "application/json;;;", "application/problem+json", "text/plain", "text/json", "application/xml",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream", "*/*", "application/json; charset=iso-8859-1",
    ];

    private static readonly string[] OddSegments =
    [
        "%00", "a%00b", "%0A", "%0D%0A", "%09", "%2F", "..", ".", "%2E%2E", "%", "%ZZ", "%C3%28", "%ED%A0%80", "%FF", "a%20b", "%F0%9F%98%80",
        ";", "'", "%22%3Cscript%3E", "~", "%7B%7D", "*", "-", "_", "0", "-1", "99999999999999999999", "%E2%80%AE", "leakb-u000001", "leakb-p0000001",
    ];

    private readonly JsonElement _root;
    private readonly FuzzContext _context;
    private readonly Gen<FuzzCredential> _credentials;
    private readonly IReadOnlyList<FuzzOperation> _operations;

    /// <summary>Whether the request being generated names one of tenant B's users or properties (generation is sequential).</summary>
    private bool _namesForeignId;

    public FuzzRequestGenerator(JsonDocument openApi, IReadOnlyList<FuzzOperation> operations, FuzzContext context, FuzzCredentialShapes? credentials = null)
    {
        _root = openApi.RootElement;
        _operations = operations;
        _context = context;
        _credentials = (credentials ?? FuzzCredentialShapes.Default(context)).Build();
    }

    public IReadOnlyList<FuzzOperation> Operations => _operations;

    public FuzzRequest Generate(long seed, long index)
    {
        var operation = _operations[(int)(index % _operations.Count)];
        var pcg = new PCG((uint)(index & 0x7fffffff), unchecked((ulong)seed));
        _namesForeignId = false;
        var credential = _credentials.Next(pcg);
        var uri = Uri(operation, pcg);
        var (contentType, body, shape) = Body(operation, pcg);
        return new FuzzRequest(index, operation, uri, credential, contentType, body, shape) { NamesForeignId = _namesForeignId };
    }

    private string Uri(FuzzOperation operation, PCG pcg)
    {
        var path = new StringBuilder();
        foreach (var segment in operation.PathTemplate.TrimStart('/').Split('/'))
        {
            if (path.Length > 0 || operation.PathTemplate == "/")
            {
                path.Append('/');
            }

            if (segment.StartsWith('{') && segment.EndsWith('}'))
            {
                path.Append(PathValue(segment[1..^1], pcg));
            }
            else
            {
                path.Append(segment);
            }
        }

        var query = new List<string>();
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query"))
        {
            if (parameter.Required ? pcg.Chance(0.9) : pcg.Chance(0.5))
            {
                query.Add(parameter.Name + "=" + QueryValue(parameter, pcg));
            }
        }

        if (pcg.Chance(0.05))
        {
            query.Add(pcg.Pick(new[] { "unknown=1", "limit=-1", "limit=1e9", "%00=%00", "a=%ZZ", "page=99999999999" }));
        }

        return query.Count == 0 ? path.ToString() : path + "?" + string.Join('&', query);
    }

    private string PathValue(string name, PCG pcg)
    {
        if (pcg.Chance(0.3))
        {
            return pcg.Chance(0.1) ? new string('x', pcg.Pick(new[] { 300, 3_000 })) : pcg.Pick(OddSegments);
        }

        var lower = name.ToLowerInvariant();
        var value = lower switch
        {
            _ when lower.Contains("user", StringComparison.Ordinal) => Id(pcg, _context.A.UserIds, _context.B.UserIds),
            _ when lower.Contains("property", StringComparison.Ordinal) => Id(pcg, _context.A.PropertyIds, _context.B.PropertyIds),
            "model" => pcg.Pick(new[] { "price", "twin", "Price", "unknown" }),
            "alias" => pcg.Pick(new[] { "champion", "challenger", "staging", "Champion" }),
            "name" => pcg.Pick([.. _context.WorkflowNames, "UnknownWorkflow"]),
            "plot" => pcg.Pick(new[] { "residuals", "calibration.png", "unknown.png" }),
            _ => "fuzz-" + FuzzJson.PlainWord.Next(pcg),
        };
        return System.Uri.EscapeDataString(value);
    }

    private string Id(PCG pcg, IReadOnlyList<string> own, IReadOnlyList<string> other)
    {
        if (pcg.Chance(0.15))
        {
            _namesForeignId = true;
            return pcg.Pick(other);
        }

        return pcg.Chance(0.1) ? "unknown-" + FuzzJson.PlainWord.Next(pcg) : pcg.Pick(own);
    }

    private string QueryValue(FuzzParameter parameter, PCG pcg)
    {
        if (pcg.Chance(0.4))
        {
            return System.Uri.EscapeDataString(pcg.Chance(0.5) ? FuzzJson.HostileNumber.Next(pcg) : Unquote(FuzzJson.HostileString.Next(pcg)));
        }

        var schema = parameter.Schema.ValueKind == JsonValueKind.Object ? OpenApiOperations.Resolve(_root, parameter.Schema) : default;
        return TypeOf(schema) switch
        {
            "integer" => Gen.Int[-5, 600].Next(pcg).ToString(CultureInfo.InvariantCulture),
            "number" => FuzzJson.Number(Gen.Double[-10, 1000].Next(pcg)),
            "boolean" => pcg.Chance(0.5) ? "true" : "false",
            _ => System.Uri.EscapeDataString(FuzzJson.PlainWord.Next(pcg)),
        };
    }

    private (string? ContentType, byte[]? Body, string Shape) Body(FuzzOperation operation, PCG pcg)
    {
        var contentType = pcg.Chance(0.75) ? "application/json" : pcg.Chance(0.1) ? null : pcg.Pick(JsonTypes);
        if (operation.BodySchema is not { } schema)
        {
            // Routes without a body still get one now and then: they must ignore or refuse it, not break.
            return pcg.Chance(0.9) ? (null, null, "none") : (contentType, FuzzJson.Encode(FuzzJson.Malformed.Next(pcg)), "unexpected");
        }

        // A real workflow name only with bodies no workflow can start from, so the run never trains models for minutes.
        var startsRealWorkflow = operation.PathTemplate.EndsWith("/start", StringComparison.Ordinal);
        var roll = pcg.Next(100);
        if (startsRealWorkflow && roll < 70)
        {
            roll = 70;
        }

        var (json, shape) = roll switch
        {
            < 62 => (Value(schema, null, 0, pcg), "schema"),
            < 70 => (Value(schema, null, 0, pcg, strict: true), "schema-valid"),
            < 80 => (FuzzJson.Malformed.Next(pcg), "malformed"),
            < 86 => (Truncate(Value(schema, null, 0, pcg), pcg), "truncated"),
            < 91 => (FuzzJson.Deep.Next(pcg), "deep"),
            < 94 => (Huge(schema, pcg), "huge"),
            < 97 => (FuzzJson.WrongType.Next(pcg), "wrong top-level type"),
            _ => (null, "empty"),
        };
        if (startsRealWorkflow && shape is "schema" or "schema-valid")
        {
            (json, shape) = (FuzzJson.Malformed.Next(pcg), "malformed");
        }

        if (json is null)
        {
            return (contentType, pcg.Chance(0.5) ? [] : null, shape);
        }

        var bytes = FuzzJson.Encode(json);
        if (pcg.Chance(0.03))
        {
            // The same document in UTF-16, as a client that ignores the declared charset sends it.
            bytes = Encoding.Unicode.GetBytes(json);
            shape += " utf-16";
        }

        return (contentType, bytes, shape);
    }

    private static string Truncate(string json, PCG pcg) => json.Length <= 1 ? json : json[..(int)pcg.Next((uint)json.Length)];

    private string Huge(JsonElement schema, PCG pcg)
    {
        var size = pcg.Pick(new[] { 100_000, 1_100_000, 3_000_000 });
        return pcg.Chance(0.5)
            ? "{\"padding\":\"" + new string('x', size) + "\"," + Value(schema, null, 0, pcg).TrimStart().TrimStart('{')
            : "[" + string.Join(',', Enumerable.Repeat(Value(schema, null, 0, pcg, strict: true), Math.Max(1, size / 2_000))) + "]";
    }

    /// <summary>A JSON value for <paramref name="schema"/>: mostly of its shape with ids the target knows, now and then hostile.</summary>
    private string Value(JsonElement schema, string? name, int depth, PCG pcg, bool strict = false)
    {
        schema = schema.ValueKind == JsonValueKind.Object ? OpenApiOperations.Resolve(_root, schema) : default;
        if (depth > 6)
        {
            return "null";
        }

        if (!strict && pcg.Chance(0.06))
        {
            return FuzzJson.WrongType.Next(pcg);
        }

        if (schema.ValueKind == JsonValueKind.Object)
        {
            foreach (var keyword in new[] { "oneOf", "anyOf", "allOf" })
            {
                if (schema.TryGetProperty(keyword, out var options) && options.GetArrayLength() > 0)
                {
                    return Value(options[(int)pcg.Next((uint)options.GetArrayLength())], name, depth + 1, pcg, strict);
                }
            }

            if (schema.TryGetProperty("enum", out var values) && values.GetArrayLength() > 0 && (strict || pcg.Chance(0.8)))
            {
                return values[(int)pcg.Next((uint)values.GetArrayLength())].GetRawText();
            }
        }

        return TypeOf(schema) switch
        {
            "object" => Object(schema, depth, pcg, strict),
            "array" => Array(schema, name, depth, pcg, strict),
            "integer" => !strict && pcg.Chance(0.3) ? FuzzJson.HostileNumber.Next(pcg) : Integer(name, pcg).ToString(CultureInfo.InvariantCulture),
            "number" => !strict && pcg.Chance(0.3) ? FuzzJson.HostileNumber.Next(pcg) : FuzzJson.Number(Number(name, pcg)),
            "boolean" => pcg.Chance(0.5) ? "true" : "false",
            "string" => !strict && pcg.Chance(0.25) ? FuzzJson.HostileString.Next(pcg) : FuzzJson.Quote(Text(schema, name, pcg)),
            // A schema with no type (JsonElement bodies): any JSON value.
            _ => pcg.Chance(0.5) ? "{\"reason\":" + FuzzJson.HostileString.Next(pcg) + "}" : FuzzJson.WrongType.Next(pcg),
        };
    }

    private string Object(JsonElement schema, int depth, PCG pcg, bool strict)
    {
        var required = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()).ToHashSet() : [];
        var members = new List<string>();
        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                var include = required.Contains(property.Name) ? strict || pcg.Chance(0.93) : pcg.Chance(strict ? 0.5 : 0.6);
                if (include)
                {
                    // The document names members in camelCase; the twin and valuation routes read snake_case: both are sent.
                    var snake = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
                    var name = pcg.Chance(0.65) ? snake : property.Name;
                    var namedForeign = _namesForeignId;
                    members.Add(FuzzJson.Quote(name) + ":" + Value(property.Value, snake, depth + 1, pcg, strict));
                    if (name != snake)
                    {
                        // A member under a name the wire does not read names nothing the server could serve.
                        _namesForeignId = namedForeign;
                    }
                }
            }
        }

        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object && pcg.Chance(0.7))
        {
            members.Add(FuzzJson.Quote(FuzzJson.PlainWord.Next(pcg)) + ":" + Value(additional, null, depth + 1, pcg, strict));
        }

        if (!strict && pcg.Chance(0.08))
        {
            members.Add(pcg.Chance(0.5) && members.Count > 0 ? pcg.Pick(members) : "\"unknown_field\":" + FuzzJson.WrongType.Next(pcg));
        }

        return "{" + string.Join(',', members) + "}";
    }

    private string Array(JsonElement schema, string? name, int depth, PCG pcg, bool strict)
    {
        var items = schema.TryGetProperty("items", out var itemSchema) ? itemSchema : default;
        var vector = name is not null && (name.Contains("vector", StringComparison.Ordinal) || name.Contains("embedding", StringComparison.Ordinal));
        var count = vector ? pcg.Pick(new[] { 0, 1, 16, 32, 64, 65, 128 })
            : !strict && pcg.Chance(0.04) ? pcg.Pick(new[] { 101, 1_001, 10_001 }) : (int)pcg.Next(4) + (strict ? 1 : 0);
        var elements = new string[count];
        for (var i = 0; i < count; i++)
        {
            elements[i] = vector && pcg.Chance(strict ? 0 : 0.2) ? FuzzJson.HostileNumber.Next(pcg) : Value(items, Singular(name), depth + 1, pcg, strict);
        }

        return "[" + string.Join(',', elements) + "]";
    }

    private static string? Singular(string? name) => name is not null && name.EndsWith("_ids", StringComparison.Ordinal) ? name[..^1] : name;

    private static int Integer(string? name, PCG pcg) => name switch
    {
        "top_k" or "limit" or "k" => Gen.Int[0, 60].Next(pcg),
        "version" => Gen.Int[0, 3].Next(pcg),
        _ when name?.Contains("year", StringComparison.Ordinal) == true => Gen.Int[1850, 2030].Next(pcg),
        _ => Gen.Int[0, 10].Next(pcg),
    };

    private static double Number(string? name, PCG pcg) => name switch
    {
        "latitude" or "lat" => Gen.Double[58, 64].Next(pcg),
        "longitude" or "lon" => Gen.Double[5, 12].Next(pcg),
        _ when name?.Contains("price", StringComparison.Ordinal) == true || name?.Contains("value", StringComparison.Ordinal) == true
            => Gen.Double[100_000, 10_000_000].Next(pcg),
        _ when name?.Contains("area", StringComparison.Ordinal) == true || name?.Contains("size", StringComparison.Ordinal) == true
            => Gen.Double[20, 300].Next(pcg),
        _ => Gen.Double[-1, 1].Next(pcg),
    };

    private string Text(JsonElement schema, string? name, PCG pcg)
    {
        var format = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        return (name, format) switch
        {
            (_, "date-time") => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Gen.Int[0, 1_000_000].Next(pcg)).ToString("O", CultureInfo.InvariantCulture),
            (_, "date") => new DateOnly(2024, 1, 1).AddDays(Gen.Int[0, 700].Next(pcg)).ToString("O", CultureInfo.InvariantCulture),
            ("user_id", _) => Id(pcg, _context.A.UserIds, _context.B.UserIds),
            ("property_id", _) => Id(pcg, _context.A.PropertyIds, _context.B.PropertyIds),
            ("event_id", _) => "fuzz-event-" + Gen.Int[0, 200].Next(pcg).ToString(CultureInfo.InvariantCulture),
            // Never a seeded tenant (that would train real models for minutes); now and then an id with a trailing line break or
            // control character, which a pattern ending in '$' instead of '\z' lets through.
            ("tenant_id", _) => FuzzJson.PlainWord.Next(pcg) + (pcg.Chance(0.3) ? pcg.Pick(new[] { "\n", "\r\n", " ", "\t", "\u0000" }) : ""),
            ("kind", _) => pcg.Pick(new[] { "view", "like", "dislike", "outreach", "deal", "unknown" }),
            ("property_type", _) => pcg.Pick(new[] { "leilighet", "rekkehus", "tomannsbolig", "enebolig", "hytte", "castle" }),
            ("status", _) => pcg.Pick(new[] { "active", "sold", "withdrawn" }),
            ("municipality", _) => pcg.Pick(new[] { "Oslo", "Bergen", "Trondheim", "Nowhere" }),
            ("occurred_at" or "listed_at" or "sold_at" or "date", _) => new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(Gen.Int[0, 9_000].Next(pcg)).ToString("O", CultureInfo.InvariantCulture),
            _ => FuzzJson.PlainWord.Next(pcg),
        };
    }

    private static string? TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out _) ? "object" : null;
        }

        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString();
    }

    private static string Unquote(string json) => json.Length >= 2 && json[0] == '"' ? json[1..^1] : json;
}
