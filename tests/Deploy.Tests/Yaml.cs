using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Platform.Deploy.Tests;

/// <summary>YAML as plain dictionaries, lists and strings, with accessors whose errors say which key is missing.</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static Dictionary<object, object> LoadFile(string path) =>
        Parse(File.ReadAllText(path)).SingleOrDefault() ?? throw new InvalidDataException($"{path} holds no YAML document");

    /// <summary>Every non-empty document of a multi-document stream.</summary>
    public static List<Dictionary<object, object>> Parse(string text)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Deserializer.Deserialize<Dictionary<object, object>?>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static Dictionary<object, object> Map(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is Dictionary<object, object> map ? map
        : throw new InvalidDataException($"'{key}' is missing or not a mapping (keys: {string.Join(", ", node.Keys)})");

    public static Dictionary<object, object> MapOrEmpty(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is Dictionary<object, object> map ? map : [];

    public static List<object> List(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is List<object> list ? list
        : throw new InvalidDataException($"'{key}' is missing or not a list (keys: {string.Join(", ", node.Keys)})");

    public static List<object> ListOrEmpty(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is List<object> list ? list : [];

    public static IEnumerable<Dictionary<object, object>> Maps(this Dictionary<object, object> node, string key) =>
        node.ListOrEmpty(key).Cast<Dictionary<object, object>>();

    public static string Scalar(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) && value is string text ? text
        : throw new InvalidDataException($"'{key}' is missing or not a scalar (keys: {string.Join(", ", node.Keys)})");

    public static string? ScalarOrNull(this Dictionary<object, object> node, string key) =>
        node.TryGetValue(key, out var value) ? value as string : null;

    /// <summary>The value at a dotted path of mapping keys, e.g. <c>spec.template.spec</c>.</summary>
    public static Dictionary<object, object> At(this Dictionary<object, object> node, string dottedPath) =>
        dottedPath.Split('.').Aggregate(node, (current, key) => current.Map(key));
}
