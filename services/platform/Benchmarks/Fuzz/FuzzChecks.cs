using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Host.Benchmarks.Fuzz;

/// <summary>
/// What an answer must be: no 5xx; a 4xx is <c>application/problem+json</c>; JSON answers parse; an answer to a request outside
/// the foreign tenant shows none of its ids (<see cref="FuzzTarget.LeakMarker"/>) it was not sent, and a request of another
/// tenant naming the foreign tenant's ids is not served (2xx).
/// </summary>
public static partial class FuzzChecks
{
    /// <summary>The rules every answer keeps (storage is checked by the runner around the request).</summary>
    /// <param name="foreignTenant">The tenant whose requests may see its own (marked) ids.</param>
    /// <param name="storedByRequester">
    /// Marked ids that accepted writes of the requesting tenant stored as its own data (an alias it named so, say): shown back
    /// to that tenant they are its data, not the foreign tenant's.
    /// </param>
    public static IEnumerable<FuzzFinding> Check(
        FuzzRequest request, int status, string? mediaType, byte[] body, string foreignTenant, ICollection<string>? storedByRequester = null)
    {
        var excerpt = FuzzRequest.Escape(body, 600);
        // 503 problem details is the documented answer of a tenant without a deployed model (Retry-After), not a failure.
        if (status >= 500 && !(status == 503 && mediaType == "application/problem+json"))
        {
            yield return new FuzzFinding("5xx", request, status, mediaType, excerpt);
        }
        else if (status >= 400 && mediaType != "application/problem+json" && !IsProtocolRejection(request, status, mediaType, body))
        {
            yield return new FuzzFinding("4xx not problem+json", request, status, mediaType, excerpt);
        }

        if (mediaType is "application/json" or "application/problem+json" && body.Length > 0 && !ParsesAsJson(body))
        {
            yield return new FuzzFinding("invalid JSON answer", request, status, mediaType, excerpt);
        }

        // The audit log is the platform admin's, read across tenants by design, and so are the workflow runs of every tenant
        // (a tenant's own credential sees its own runs only).
        var path = request.RelativeUri.TrimStart('/');
        if (request.Credential.Tenant == foreignTenant || path.StartsWith("admin/audit", StringComparison.Ordinal)
            || (request.Credential.Admin && path.StartsWith("workflows", StringComparison.Ordinal)))
        {
            yield break;
        }

        var sent = Sent(request);
        var shown = Encoding.UTF8.GetString(body);
        var foreign = ForeignId().Matches(shown).Select(m => m.Value)
            .Where(id => !sent.Contains(id, StringComparison.Ordinal) && storedByRequester?.Contains(id) != true).Distinct().ToList();
        if (foreign.Count > 0)
        {
            // Where the first one sits, which the start of a long answer may not show.
            var at = Encoding.UTF8.GetByteCount(shown.AsSpan(0, shown.IndexOf(foreign[0], StringComparison.Ordinal)));
            var from = Math.Max(0, at - 400);
            yield return new FuzzFinding("other tenant's data shown", request, status, mediaType,
                string.Join(", ", foreign.Take(5)) + " in " + (from > 0 ? $"...({from} bytes) " : "") + FuzzRequest.Escape(body.AsSpan(from), 800));
        }
        else if (status is >= 200 and < 300 && request.Credential.Tenant is not null && request.NamesForeignId)
        {
            yield return new FuzzFinding("other tenant's id served", request, status, mediaType, excerpt);
        }
    }

    /// <summary>The marked ids a request sends (path, query and body): what an accepted write may have stored as its tenant's own.</summary>
    public static IEnumerable<string> MarkedIdsSent(FuzzRequest request) => ForeignId().Matches(Sent(request)).Select(m => m.Value).Distinct();

    private static string Sent(FuzzRequest request) => request.RelativeUri + (request.Body is null ? "" : Encoding.UTF8.GetString(request.Body));

    /// <summary>
    /// Kestrel's own answers to what is not valid HTTP for it (a NUL in the decoded path, a request line or headers over its
    /// limits): empty, before any application code runs, so they cannot be problem details. Only these are let through.
    /// </summary>
    public static bool IsProtocolRejection(FuzzRequest request, int status, string? mediaType, byte[] body) =>
        body.Length == 0 && mediaType is null &&
        (status is 414 or 431 || (status == 400 && request.RelativeUri.Split('?')[0].Contains("%00", StringComparison.Ordinal)));

    private static bool ParsesAsJson(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 256 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(FuzzTarget.LeakMarker + "-[A-Za-z0-9_-]+")]
    private static partial Regex ForeignId();
}
