using System.Text;

namespace Platform.BuildingBlocks.Audit;

/// <summary>
/// Makes caller-supplied text (route values, identities) safe to store and to show: control characters (NUL included, which
/// PostgreSQL text refuses) and lone surrogates become U+FFFD, and the text is cut to a bound without splitting a pair.
/// A hostile route value must neither break the record nor forge a line in a terminal listing.
/// </summary>
public static class AuditText
{
    public const int MaxIdentityLength = 200;
    public const int MaxTargetLength = 500;

    public static string Clean(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength));
        for (var i = 0; i < text.Length && builder.Length < maxLength; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (builder.Length + 2 > maxLength)
                {
                    break;
                }

                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }
}
