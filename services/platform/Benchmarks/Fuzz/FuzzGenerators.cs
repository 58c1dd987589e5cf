using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>A CsCheck generator written as a function of the random source (no shrinking: a failing request is printed whole).</summary>
internal sealed class FunctionGen<T>(Func<PCG, T> generate) : Gen<T>
{
    public override T Generate(PCG pcg, Size? min, out Size size)
    {
        size = new Size(0);
        return generate(pcg);
    }
}

internal static class GenExtensions
{
    public static T Next<T>(this Gen<T> gen, PCG pcg) => gen.Generate(pcg, null, out _);

    public static bool Chance(this PCG pcg, double probability) => pcg.Next() < probability * uint.MaxValue;

    public static T Pick<T>(this PCG pcg, IReadOnlyList<T> values) => values[(int)pcg.Next((uint)values.Count)];
}

/// <summary>
/// JSON text fragments, valid and hostile. Strings are written as JSON text, escapes included, so lone surrogates and NUL go out
/// as the JSON escapes a hostile client sends; <see cref="InvalidUtf8"/> marks where raw invalid UTF-8 bytes replace the text.
/// </summary>
public static class FuzzJson
{
    /// <summary>Stands for the byte 0xFF (never valid in UTF-8) when the body is encoded.</summary>
    public const char InvalidUtf8 = '\uE000';

    /// <summary>Stands for ED A0 80: a lone high surrogate encoded as UTF-8 (CESU-8), invalid in UTF-8.</summary>
    public const char EncodedSurrogate = '\uE001';

    public static readonly Gen<string> HostileString = Gen.OneOf(
        "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\u0001\\u001f\"", "\"\\ud800\"", "\"x\\udfffy\"", "\"\\udc00\\ud800\"",
        "\"\\uffff\"", "\"\\ufeff\"", "\"\\u202e\\u200b\"", "\"\uD83D\uDE00\"", "\"\\n\\r\\t\"", "\"../../etc/passwd\"", "\"' OR 1=1 --\"",
        "\"%00\"", "\"%2F..%2F\"", "\"<script>\"", "\"NaN\"", "\"Infinity\"", "\"-0\"", "\"1e308\"", "\"0001-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59.9999999Z\"", "\"2024-02-30T00:00:00Z\"", "\"0000-00-00\"", "\"not a date\"", "\"2024-01-01T00:00:00+25:00\"",
        $"\"{InvalidUtf8}\"", $"\"a{EncodedSurrogate}b\"", $"\"{new string('x', 5_000)}\"", $"\"{new string('\u00e5', 2_000)}\"",
        "\"leakb-p0000001\"", "\"leakb-u000001\"", "\"\\\"\"", "\"\\\\\"", "\"\\/\"");

    public static readonly Gen<string> HostileNumber = Gen.OneOf(
        "0", "-0", "-1", "1", "0.5", "-0.0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-5e-324", "4.9e-324", "1e-400", "1e400", "-1e400",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "99999999999999999999999999999999", "1e20", "1E+20", "-1e20", "3.14", "1.0", "0.0000001", "123456789012345678901234567890.5",
        "00", "01", "+1", ".5", "5.", "1e", "NaN", "Infinity", "-Infinity", "0x10");

    public static readonly Gen<string> WrongType = Gen.OneOf("null", "true", "false", "\"text\"", "0", "-1", "[]", "{}", "[1,2,3]", "{\"a\":1}", "[null]", "[[[]]]", "\"\"");

    public static readonly Gen<string> PlainWord = Gen.String[Gen.Char.AlphaNumeric, 1, 12];

    /// <summary>JSON that is not the document an endpoint reads: empty, broken, the wrong top level, deep, duplicated.</summary>
    public static readonly Gen<string> Malformed = Gen.OneOf(
        "", " ", "{", "}", "[", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "{\"a\":1,}", "[1,]", "{\"a\":1}}", "{\"a\":1}{\"b\":2}", "nul", "tru", "NaN", "{\"a\":NaN}",
        "{\"a\":Infinity}", "{\"a\":-Infinity}", "{\"a\":01}", "{\"a\":.5}", "{\"a\":\"unterminated}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\uZZZZ\"}",
        "{/*comment*/}", "// comment\n{}", "{\"a\":1} trailing", "\u0000", "{\"\u0000\":1}", "[]", "\"text\"", "1", "null", "true", "{}", "[{}]",
        "{\"__proto__\":{\"x\":1}}", "\ufeff{}", "{\"a\":\"\u0001\"}", $"{InvalidUtf8}", $"{{\"a\":\"{InvalidUtf8}\"}}", $"{{\"{EncodedSurrogate}\":1}}");

    /// <summary>Nesting past any sane depth: arrays or objects, a few levels over the reader's default of 64, or far past.</summary>
    public static readonly Gen<string> Deep = new FunctionGen<string>(pcg =>
    {
        var depth = pcg.Pick(new[] { 63, 64, 65, 256, 5_000, 100_000 });
        return pcg.Chance(0.5)
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    });

    /// <summary>The text of a body as bytes, the invalid-UTF-8 markers replaced by raw invalid bytes.</summary>
    public static byte[] Encode(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        if (json.IndexOf(InvalidUtf8, StringComparison.Ordinal) < 0 && json.IndexOf(EncodedSurrogate, StringComparison.Ordinal) < 0)
        {
            return bytes;
        }

        var output = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i + 2 < bytes.Length && bytes[i] == 0xEE && bytes[i + 1] == 0x80 && bytes[i + 2] is 0x80 or 0x81)
            {
                output.AddRange(bytes[i + 2] == 0x80 ? [0xFF] : [0xED, 0xA0, 0x80]);
                i += 2;
            }
            else
            {
                output.Add(bytes[i]);
            }
        }

        return [.. output];
    }

    /// <summary>A JSON string literal of <paramref name="value"/> (which must be plain text).</summary>
    public static string Quote(string value) => JsonSerializer.Serialize(value);

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
