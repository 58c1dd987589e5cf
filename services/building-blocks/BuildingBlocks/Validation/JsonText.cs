using System.Text.Json;

namespace Platform.BuildingBlocks.Validation;

/// <summary>
/// Whether a parsed JSON value holds only text that is valid Unicode. The parser accepts a string that escapes a lone
/// surrogate (<c>"\ud800"</c>) and, inside strings, bytes that are not UTF-8; neither becomes .NET text (reading it throws),
/// so nothing downstream can store or echo it. Payloads kept as they are (workflow inputs, events) are checked whole with
/// this; for the rule on ids and values (also no control characters) see <see cref="TextInput"/>.
/// </summary>
public static class JsonText
{
    /// <summary>The path (from <paramref name="path"/>, e.g. <c>payload.items[2].name</c>) of the first string or property name that is not valid Unicode; null when all are.</summary>
    public static string? FirstInvalidUnicode(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(() => value.GetString()) ? null : path;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"{path} (a property name)";
                    }

                    if (FirstInvalidUnicode(property.Value, $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (FirstInvalidUnicode(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsText(Func<string?> read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
