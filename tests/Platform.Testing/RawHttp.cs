using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Platform.Testing;

/// <summary>What a server answered on a raw connection: status, headers (names lower-case) and the decoded body.</summary>
public sealed record RawHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? ContentType => Headers.TryGetValue("content-type", out var type) ? type : null;

    public JsonElement Json() => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// HTTP/1.1 written byte by byte on a TCP socket, for what HttpClient will not send: a body that stalls, a malformed chunk,
/// headers that never end, a Content-Length far beyond what is sent.
/// </summary>
public static class RawHttp
{
    /// <summary>
    /// Writes <paramref name="head"/> (request line and headers, CRLF-separated, ending in an empty line) and
    /// <paramref name="body"/>, leaves the connection open without sending more, and reads the response until the server
    /// completes or closes it, or <paramref name="timeout"/> passes (then throws <see cref="TimeoutException"/>).
    /// </summary>
    public static async Task<RawHttpResponse> SendAsync(int port, string head, ReadOnlyMemory<byte> body, TimeSpan timeout)
    {
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(timeout);
        await client.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), deadline.Token);
        if (!body.IsEmpty)
        {
            await stream.WriteAsync(body, deadline.Token);
        }

        await stream.FlushAsync(deadline.Token);
        try
        {
            return await ReadResponseAsync(stream, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No complete response within {timeout}.");
        }
    }

    private static async Task<RawHttpResponse> ReadResponseAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        int headEnd;
        while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            if (await ReadMoreAsync(stream, buffer, received, cancellationToken) == 0)
            {
                throw new IOException($"The connection closed before the response headers ended; received: {Encoding.ASCII.GetString([.. received])}");
            }
        }

        var lines = Encoding.ASCII.GetString([.. received.Take(headEnd)]).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(line => line.Split(':', 2))
            .GroupBy(parts => parts[0].Trim().ToLowerInvariant())
            .ToDictionary(group => group.Key, group => string.Join(", ", group.Select(parts => parts[1].Trim())));
        var rest = received.Skip(headEnd + 4).ToList();
        if (headers.TryGetValue("content-length", out var length))
        {
            var expected = int.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
            while (rest.Count < expected && await ReadMoreAsync(stream, buffer, rest, cancellationToken) > 0)
            {
            }

            return new RawHttpResponse(status, headers, Encoding.UTF8.GetString([.. rest.Take(expected)]));
        }

        if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new List<byte>();
            while (true)
            {
                int lineEnd;
                while ((lineEnd = IndexOf(rest, "\r\n"u8)) < 0)
                {
                    if (await ReadMoreAsync(stream, buffer, rest, cancellationToken) == 0)
                    {
                        throw new IOException("The connection closed inside a chunked response.");
                    }
                }

                var size = Convert.ToInt32(Encoding.ASCII.GetString([.. rest.Take(lineEnd)]).Split(';')[0], 16);
                while (rest.Count < lineEnd + 2 + size + 2)
                {
                    if (await ReadMoreAsync(stream, buffer, rest, cancellationToken) == 0)
                    {
                        throw new IOException("The connection closed inside a chunk.");
                    }
                }

                body.AddRange(rest.Skip(lineEnd + 2).Take(size));
                rest = rest.Skip(lineEnd + 2 + size + 2).ToList();
                if (size == 0)
                {
                    return new RawHttpResponse(status, headers, Encoding.UTF8.GetString([.. body]));
                }
            }
        }

        // Neither: the body runs to the end of the connection.
        while (await ReadMoreAsync(stream, buffer, rest, cancellationToken) > 0)
        {
        }

        return new RawHttpResponse(status, headers, Encoding.UTF8.GetString([.. rest]));
    }

    private static async Task<int> ReadMoreAsync(NetworkStream stream, byte[] buffer, List<byte> into, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await stream.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException)
        {
            // A reset after the response (the server closing on an unread body) ends the response like a close.
            return 0;
        }

        into.AddRange(buffer.AsSpan(0, read));
        return read;
    }

    private static int IndexOf(List<byte> haystack, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
