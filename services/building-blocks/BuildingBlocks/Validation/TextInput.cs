namespace Platform.BuildingBlocks.Validation;

/// <summary>
/// The one rule for text a caller sends as an id or a value: well-formed Unicode (no lone surrogate, which UTF-8 cannot
/// encode) and no control characters (NUL, which PostgreSQL refuses in text; line breaks and escapes that forge log lines).
/// </summary>
public static class TextInput
{
    /// <summary>Why <paramref name="value"/> is not acceptable text, or null when it is.</summary>
    public static string? Problem(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"Contains invalid Unicode: a lone surrogate U+{(int)c:X4} at position {i}.";
            }
            else if (char.IsControl(c))
            {
                return $"Contains the control character U+{(int)c:X4} at position {i}.";
            }
        }

        return null;
    }
}
