using System.Text.Json;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>A parameter of an operation (path or query) with its schema.</summary>
public sealed record FuzzParameter(string Name, string In, bool Required, JsonElement Schema);

/// <summary>One operation of the OpenAPI document: what the fuzzer generates requests for.</summary>
public sealed record FuzzOperation(
    string Method,
    string PathTemplate,
    string? OperationId,
    IReadOnlyList<FuzzParameter> Parameters,
    JsonElement? BodySchema,
    IReadOnlyList<string> BodyContentTypes)
{
    public string Name => $"{Method} {PathTemplate}";

    /// <summary>Whether the operation may store something when it succeeds (every method but GET/HEAD).</summary>
    public bool Writes => Method is not ("GET" or "HEAD");
}

/// <summary>Reads the operations of an OpenAPI 3.x document, with <c>$ref</c>s to component schemas resolved.</summary>
public static class OpenApiOperations
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    public static IReadOnlyList<FuzzOperation> Read(JsonDocument document)
    {
        var root = document.RootElement;
        var operations = new List<FuzzOperation>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            var shared = path.Value.TryGetProperty("parameters", out var p) ? Parameters(root, p) : [];
            foreach (var method in Methods)
            {
                if (!path.Value.TryGetProperty(method, out var operation))
                {
                    continue;
                }

                var parameters = shared.Concat(operation.TryGetProperty("parameters", out var own) ? Parameters(root, own) : []).ToList();
                JsonElement? body = null;
                var contentTypes = new List<string>();
                if (operation.TryGetProperty("requestBody", out var requestBody) && Resolve(root, requestBody).TryGetProperty("content", out var content))
                {
                    foreach (var type in content.EnumerateObject())
                    {
                        contentTypes.Add(type.Name);
                        if (body is null && type.Value.TryGetProperty("schema", out var schema))
                        {
                            body = schema;
                        }
                    }
                }

                operations.Add(new FuzzOperation(method.ToUpperInvariant(), path.Name,
                    operation.TryGetProperty("operationId", out var id) ? id.GetString() : null, parameters, body, contentTypes));
            }
        }

        return operations;
    }

    /// <summary>The schema a <c>$ref</c> points at (within the document), else the schema itself.</summary>
    public static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        for (var depth = 0; depth < 32 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); depth++)
        {
            var target = root;
            foreach (var segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            schema = target;
        }

        return schema;
    }

    private static List<FuzzParameter> Parameters(JsonElement root, JsonElement parameters) =>
        parameters.EnumerateArray().Select(p => Resolve(root, p)).Select(p => new FuzzParameter(
            p.GetProperty("name").GetString()!,
            p.GetProperty("in").GetString()!,
            p.TryGetProperty("required", out var required) && required.GetBoolean(),
            p.TryGetProperty("schema", out var schema) ? schema : default)).ToList();
}
