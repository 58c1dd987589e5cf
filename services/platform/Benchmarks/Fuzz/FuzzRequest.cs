using System.Globalization;
using System.Text;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>A credential shape the fuzzer sends: its headers and the tenant whose data the answer may show (null: none).</summary>
public sealed record FuzzCredential(string Shape, string? Tenant, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>Whether it carries the platform admin's key, which reads some things across tenants by design (audit log, workflow runs).</summary>
    public bool Admin { get; init; }
}

/// <summary>One generated request, reproducible from (seed, index).</summary>
public sealed record FuzzRequest(
    long Index,
    FuzzOperation Operation,
    string RelativeUri,
    FuzzCredential Credential,
    string? ContentType,
    byte[]? Body,
    string BodyShape)
{
    /// <summary>Whether a user or property id of the foreign tenant is named (in the path or the body).</summary>
    public bool NamesForeignId { get; init; }

    /// <summary>The request as a person reproduces it: method, address, headers and body (long bodies cut, bytes outside ASCII escaped).</summary>
    public string Describe(int maxBody = 2_000)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"#{Index} {Operation.Method} /{Escape(Encoding.UTF8.GetBytes(RelativeUri), 400)}  [{Operation.PathTemplate}; credential {Credential.Shape}; body {BodyShape}]\n");
        foreach (var (name, value) in Credential.Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {name}: {Escape(Encoding.UTF8.GetBytes(value), 200)}\n");
        }

        if (ContentType is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  Content-Type: {ContentType}\n");
        }

        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"  body ({Body.Length} bytes): {Escape(Body, maxBody)}\n");
        }

        return text.ToString();
    }

    /// <summary>Printable ASCII as is, anything else as \xNN, cut after <paramref name="max"/> bytes.</summary>
    public static string Escape(ReadOnlySpan<byte> bytes, int max)
    {
        var text = new StringBuilder();
        foreach (var b in bytes[..Math.Min(bytes.Length, max)])
        {
            if (b is >= 0x20 and < 0x7f and not (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }

        if (bytes.Length > max)
        {
            text.Append(CultureInfo.InvariantCulture, $"... ({bytes.Length - max} more bytes)");
        }

        return text.ToString();
    }
}
