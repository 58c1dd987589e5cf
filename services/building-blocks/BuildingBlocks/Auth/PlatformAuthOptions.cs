using Microsoft.Extensions.Configuration;

namespace Platform.BuildingBlocks.Auth;

/// <summary>
/// Configuration section <c>Platform:Auth</c>: bearer tokens, API key caching, the Dapr app API token and the development
/// tenant header.
/// </summary>
public sealed class PlatformAuthOptions
{
    public const string SectionName = "Platform:Auth";

    /// <summary>The environment variable daprd reads its app API token from (and sends it to its app as <c>dapr-api-token</c>).</summary>
    public const string AppApiTokenVariable = "APP_API_TOKEN";

    /// <summary>
    /// Development only: a request with no credential but an <c>X-Tenant-Id</c> header acts for that tenant with the tenant
    /// scopes. Logged as a warning at start-up; never set it where anyone but you can reach the host.
    /// </summary>
    public bool AllowTenantHeader { get; set; }

    /// <summary>
    /// How long a verified (or refused) API key is remembered. A key revoked through another process stops working within
    /// this time; one revoked through this process stops at once.
    /// </summary>
    public TimeSpan ApiKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The Dapr app API token: the secret this app's own sidecar sends as <c>dapr-api-token</c> on every call it delivers,
    /// service invocation included. A request carrying it acts as <see cref="PlatformCredentials.DaprServiceIdentity"/> with
    /// scope <c>estimate</c> only, for the tenant its <c>X-Tenant-Id</c> names. Defaults to <see cref="AppApiTokenVariable"/>
    /// (<see cref="DaprAppTokenFrom"/>); unset or empty: no request authenticates this way. Never logged.
    /// </summary>
    public string? DaprAppToken { get; set; }

    /// <summary>At most this many keys are remembered; the cache starts over when full, so random keys cannot grow it.</summary>
    public int ApiKeyCacheSize { get; set; } = 10_000;

    public JwtOptions Jwt { get; set; } = new();

    public sealed class JwtOptions
    {
        /// <summary>An OIDC issuer (e.g. <c>https://login.example.com/realms/platform</c>): keys come from its discovery document.</summary>
        public string? Authority { get; set; }

        /// <summary>The <c>iss</c> tokens must carry (defaults to <see cref="Authority"/> when that is set).</summary>
        public string? Issuer { get; set; }

        /// <summary>The <c>aud</c> tokens must carry; required whenever tokens are accepted.</summary>
        public string? Audience { get; set; }

        /// <summary>Symmetric (HS256) signing keys, base64, at least 32 bytes each; several allow rotation without downtime.</summary>
        public List<string> SigningKeys { get; set; } = [];

        public bool RequireHttpsMetadata { get; set; } = true;

        public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

        public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || SigningKeys.Count > 0;
    }

    /// <summary>Why the options cannot work, or null.</summary>
    public string? Problem()
    {
        if (ApiKeyCacheDuration < TimeSpan.Zero || ApiKeyCacheDuration > TimeSpan.FromMinutes(10))
        {
            return $"{SectionName}:ApiKeyCacheDuration must be between 0 and 10 minutes (it bounds how long a revoked key still works).";
        }

        if (ApiKeyCacheSize < 1)
        {
            return $"{SectionName}:ApiKeyCacheSize must be positive.";
        }

        // Length and alphabet only; the value itself is never part of a message.
        if (DaprAppToken is { } token && (token.Length < MinDaprAppTokenLength || token.Any(c => c is < '!' or > '~')))
        {
            return $"{SectionName}:DaprAppToken ({AppApiTokenVariable}) must be at least {MinDaprAppTokenLength} visible ASCII characters "
                + "(e.g. openssl rand -base64 32).";
        }

        if (!Jwt.Enabled)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Jwt.Audience))
        {
            return $"{SectionName}:Jwt:Audience is required when bearer tokens are accepted.";
        }

        if (string.IsNullOrWhiteSpace(Jwt.Authority))
        {
            if (string.IsNullOrWhiteSpace(Jwt.Issuer))
            {
                return $"{SectionName}:Jwt:Issuer is required with SigningKeys (or configure an Authority).";
            }

            foreach (var key in Jwt.SigningKeys)
            {
                if (TryDecode(key) is not { Length: >= 32 })
                {
                    return $"{SectionName}:Jwt:SigningKeys must be base64 of at least 32 bytes each.";
                }
            }
        }
        else if (!Uri.TryCreate(Jwt.Authority, UriKind.Absolute, out _))
        {
            return $"{SectionName}:Jwt:Authority must be an absolute URL.";
        }

        return null;
    }

    /// <summary>
    /// The Dapr app API token this host accepts: <c>Platform:Auth:DaprAppToken</c>, else <see cref="AppApiTokenVariable"/> (from
    /// configuration, else the process environment); null when none is set or the first one set is empty. The Dapr building
    /// blocks' sidecar-route check (<c>Dapr:AppApiToken</c>) falls back to the same value, so one secret serves both.
    /// </summary>
    public static string? DaprAppTokenFrom(IConfiguration configuration) =>
        (configuration[SectionName + ":" + nameof(DaprAppToken)] ?? configuration[AppApiTokenVariable] ?? Environment.GetEnvironmentVariable(AppApiTokenVariable))
            is { Length: > 0 } token ? token : null;

    internal static byte[]? TryDecode(string base64)
    {
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }

    // Dapr imposes no format; shorter than this is guessable (the Dapr docs suggest 16 random bytes, base64).
    private const int MinDaprAppTokenLength = 16;
}
