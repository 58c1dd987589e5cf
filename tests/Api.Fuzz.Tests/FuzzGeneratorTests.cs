using System.Text;
using System.Text.Json;
using Platform.Host.Benchmarks.Fuzz;

namespace Platform.Api.Fuzz.Tests;

/// <summary>The generator on a small OpenAPI document of its own: reproducible, every operation, every hostile class it promises.</summary>
public sealed partial class FuzzGeneratorTests
{
    private const string Document = """
        {
          "openapi": "3.1.1",
          "paths": {
            "/items/{userId}": {
              "get": { "parameters": [ { "name": "userId", "in": "path", "required": true, "schema": { "type": "string" } },
                                       { "name": "limit", "in": "query", "schema": { "type": "integer" } } ] }
            },
            "/items": {
              "post": { "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Item" } } } } }
            }
          },
          "components": { "schemas": {
            "Item": { "type": "object", "required": ["userId", "vector"],
                      "properties": { "userId": { "type": "string" }, "tenantId": { "type": "string" }, "occurredAt": { "type": "string", "format": "date-time" },
                                      "vector": { "type": "array", "items": { "type": "number" } }, "topK": { "type": "integer" } } }
          } }
        }
        """;

    private static readonly FuzzContext Context = new(
        new FuzzTenantIds("fuzz-a", ["u000001", "u000002"], ["p0000001"]),
        new FuzzTenantIds("fuzz-b", ["leakb-u000001"], ["leakb-p0000001"]),
        "admin-key",
        ["SomeWorkflow"]);

    [Fact]
    public void The_document_is_read_into_operations_with_parameters_and_resolved_bodies()
    {
        using var document = JsonDocument.Parse(Document);
        var operations = OpenApiOperations.Read(document);

        Assert.Equal(["GET /items/{userId}", "POST /items"], operations.Select(o => o.Name));
        Assert.Equal(["userId", "limit"], operations[0].Parameters.Select(p => p.Name));
        Assert.False(operations[0].Writes);
        Assert.True(operations[1].Writes);
        Assert.Equal("object", OpenApiOperations.Resolve(document.RootElement, operations[1].BodySchema!.Value).GetProperty("type").GetString());
    }

    [Fact]
    public void A_request_is_regenerated_from_its_seed_and_number_alone()
    {
        using var document = JsonDocument.Parse(Document);
        var generator = new FuzzRequestGenerator(document, OpenApiOperations.Read(document), Context);
        var again = new FuzzRequestGenerator(document, OpenApiOperations.Read(document), Context);

        for (var index = 0; index < 200; index++)
        {
            var first = generator.Generate(42, index);
            var second = again.Generate(42, index);
            Assert.Equal(first.Describe(int.MaxValue), second.Describe(int.MaxValue));
            Assert.Equal(first.Body, second.Body);
        }

        var otherSeed = Enumerable.Range(0, 50).Select(i => generator.Generate(43, i).Describe(int.MaxValue));
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => generator.Generate(42, i).Describe(int.MaxValue)), otherSeed);
    }

    [Fact]
    public void Generated_requests_cover_every_operation_and_every_hostile_class()
    {
        using var document = JsonDocument.Parse(Document);
        var generator = new FuzzRequestGenerator(document, OpenApiOperations.Read(document), Context);
        var requests = Enumerable.Range(0, 4_000).Select(i => generator.Generate(7, i)).ToList();
        var bodies = requests.Where(r => r.Body is not null).Select(r => r.Body!).ToList();
        var texts = bodies.Select(b => Encoding.UTF8.GetString(b)).ToList();

        Assert.Equal(["GET /items/{userId}", "POST /items"], requests.Select(r => r.Operation.Name).Distinct().Order(StringComparer.Ordinal));
        // Control and invalid Unicode: NUL and lone surrogates as JSON escapes, invalid UTF-8 and CESU-8 surrogates as raw bytes.
        Assert.Contains(texts, t => t.Contains("\\u0000", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("\\ud800", StringComparison.Ordinal));
        Assert.Contains(bodies, b => b.Contains((byte)0xFF));
        Assert.Contains(bodies, b => b.AsSpan().IndexOf([(byte)0xED, (byte)0xA0, (byte)0x80]) >= 0);
        // Boundary and non-finite numbers.
        foreach (var number in new[] { "1e308", "-0", "5e-324", "1e400", "9223372036854775808", "99999999999999999999999999999999", "NaN" })
        {
            Assert.Contains(texts, t => t.Contains(number, StringComparison.Ordinal));
        }

        // Huge and deep bodies, malformed JSON, the wrong top level, both spellings of member names.
        Assert.Contains(bodies, b => b.Length > 1_000_000);
        Assert.Contains(texts, t => t.StartsWith(new string('[', 5_000), StringComparison.Ordinal) || t.StartsWith(string.Concat(Enumerable.Repeat("{\"a\":", 5_000)), StringComparison.Ordinal));
        Assert.Contains(requests, r => r.BodyShape == "malformed");
        Assert.Contains(requests, r => r.BodyShape == "truncated");
        Assert.Contains(texts, t => t.Contains("\"user_id\"", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("\"userId\"", StringComparison.Ordinal));
        // A tenant id in a body with a trailing line break (the '$' versus '\z' neighbour).
        Assert.Contains(texts, t => TrailingLineBreakTenant().IsMatch(t));
        // Content types and charsets, credential shapes, odd path parameters, the other tenant's ids.
        Assert.Contains(requests, r => r.ContentType == "application/json; charset=bogus");
        Assert.Contains(requests, r => r.Body is not null && r.ContentType is null);
        Assert.Contains(requests, r => r.ContentType == "text/plain");
        foreach (var shape in new[] { "none", "tenant-a header", "tenant-b header", "admin key", "malformed tenant header", "wrong api key + tenant-a", "malformed bearer + tenant-a" })
        {
            Assert.Contains(requests, r => r.Credential.Shape == shape);
        }

        Assert.Contains(requests, r => r.RelativeUri.StartsWith("items/%00", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.RelativeUri.StartsWith("items/%ED%A0%80", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.NamesForeignId && r.RelativeUri.StartsWith("items/leakb-u000001", StringComparison.Ordinal));
        Assert.Contains(requests, r => r.NamesForeignId && r.Operation.Method == "POST");
    }

    [Fact]
    public void Extra_credential_shapes_plug_in_beside_the_default_ones()
    {
        using var document = JsonDocument.Parse(Document);
        var shapes = FuzzCredentialShapes.Default(Context)
            .Add(1_000, CsCheck.Gen.Const(new FuzzCredential("bearer of tenant a", "fuzz-a", [KeyValuePair.Create("Authorization", "Bearer token")])));
        var generator = new FuzzRequestGenerator(document, OpenApiOperations.Read(document), Context, shapes);

        var requests = Enumerable.Range(0, 300).Select(i => generator.Generate(1, i)).ToList();

        Assert.InRange(requests.Count(r => r.Credential.Shape == "bearer of tenant a"), 200, 300);
        Assert.Contains(requests, r => r.Credential.Shape == "tenant-a header");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"""tenant_id"":""[A-Za-z0-9]+(\\r)?\\n""")]
    private static partial System.Text.RegularExpressions.Regex TrailingLineBreakTenant();
}
