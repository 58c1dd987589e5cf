using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.BuildingBlocks.Auth;
using Platform.Testing;

namespace Platform.BuildingBlocks.Tests.Auth;

/// <summary>Tenant API keys end to end on a real PostgreSQL: created through the admin route, used, expired, revoked.</summary>
public sealed class ApiKeyTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(30);
    private AuthHost _host = null!;

    public async Task InitializeAsync() => _host = await AuthHost.StartAsync(database.ConnectionString,
        new Dictionary<string, string?> { ["Platform:Auth:ApiKeyCacheDuration"] = CacheDuration.ToString() });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private ApiKeyStore Store => _host.App.Services.GetRequiredService<ApiKeyStore>();

    [Fact]
    public async Task A_key_created_by_the_admin_route_is_shown_once_acts_for_its_tenant_and_is_listed_without_the_secret()
    {
        using var admin = _host.Client(apiKey: AuthHost.AdminKey);
        using var created = await admin.PostAsJsonAsync("/admin/keys", new { tenant_id = "alpha", scopes = new[] { "twin:read" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var key = body.GetProperty("key").GetString()!;
        var keyId = body.GetProperty("key_id").GetString()!;
        Assert.StartsWith("ptk_" + keyId + "_", key, StringComparison.Ordinal);

        using var client = _host.Client(apiKey: key);
        Assert.Equal("alpha", await client.GetStringAsync("/tenant"));
        Assert.Equal("key:" + keyId, await client.GetStringAsync("/identity"));

        var listed = await admin.GetStringAsync("/admin/keys?tenantId=alpha");
        Assert.Contains(keyId, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key[^20..], listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_hash_is_stored()
    {
        var created = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], null);

        await using var command = database.DataSource.CreateCommand("SELECT key_hash FROM api_keys WHERE key_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = created.Record.KeyId });
        var stored = (byte[])(await command.ExecuteScalarAsync())!;
        Assert.Equal(ApiKeyFormat.Hash(created.Key), stored);
    }

    [Fact]
    public async Task A_key_without_the_route_scope_is_403_and_a_tenant_key_opens_no_admin_route()
    {
        var estimator = await Store.CreateAsync("alpha", [PlatformScopes.Estimate], null);
        using var client = _host.Client(apiKey: estimator.Key);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/admin/keys", new { tenant_id = "beta", scopes = new[] { "twin:read" } })).StatusCode);
    }

    [Fact]
    public async Task An_expired_key_is_401_and_one_that_expires_later_works_until_then()
    {
        var expired = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], _host.Time.GetUtcNow().AddMinutes(-1));
        using var old = _host.Client(apiKey: expired.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/tenant")).StatusCode);

        var later = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], _host.Time.GetUtcNow().AddHours(1));
        using var current = _host.Client(apiKey: later.Key);
        Assert.Equal("alpha", await current.GetStringAsync("/tenant"));
        _host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await current.GetAsync("/tenant")).StatusCode);
    }

    [Fact]
    public async Task A_key_revoked_here_is_refused_at_once_and_one_revoked_elsewhere_within_the_cache_duration()
    {
        using var admin = _host.Client(apiKey: AuthHost.AdminKey);
        var here = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], null);
        using var hereClient = _host.Client(apiKey: here.Key);
        Assert.Equal("alpha", await hereClient.GetStringAsync("/tenant"));
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/admin/keys/{here.Record.KeyId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await hereClient.GetAsync("/tenant")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/admin/keys/0000000000000000")).StatusCode);

        // Another process (the CLI) revokes through the database: this host's cache keeps the key for at most the cache duration.
        var elsewhere = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], null);
        using var elsewhereClient = _host.Client(apiKey: elsewhere.Key);
        Assert.Equal("alpha", await elsewhereClient.GetStringAsync("/tenant"));
        await new ApiKeyStore(database.DataSource, TimeProvider.System).RevokeAsync(elsewhere.Record.KeyId);
        _host.Time.Advance(CacheDuration);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhereClient.GetAsync("/tenant")).StatusCode);
    }

    [Fact]
    public async Task A_key_of_another_shape_or_a_forged_one_with_a_valid_checksum_is_401()
    {
        var real = await Store.CreateAsync("alpha", [PlatformScopes.TwinRead], null);
        // Same key id, another secret with a correct checksum: well-formed, but not the stored hash.
        var forged = ApiKeyFormat.Compose(real.Record.KeyId, new string('A', ApiKeyFormat.SecretLength)).Key;
        var unknown = ApiKeyFormat.Generate().Key;

        foreach (var presented in new[] { forged, unknown, real.Key[..^1] + (real.Key[^1] == 'a' ? 'b' : 'a'), "ptk_nonsense" })
        {
            using var client = _host.Client(apiKey: presented);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/identity")).StatusCode);
        }
    }

    [Theory]
    [InlineData("""{ "tenant_id": "alpha", "scopes": ["admin"] }""", "scopes")]
    [InlineData("""{ "tenant_id": "alpha", "scopes": [] }""", "scopes")]
    [InlineData("""{ "tenant_id": "alpha\n", "scopes": ["twin:read"] }""", "tenant_id")]
    [InlineData("""{ "tenant_id": "alpha", "scopes": ["twin:read"], "expires_at": "2001-01-01T00:00:00Z" }""", "expires_at")]
    [InlineData("""{ "tenant_id": """, "body")]
    public async Task A_bad_create_request_is_400_naming_the_field_and_stores_nothing(string json, string field)
    {
        using var admin = _host.Client(apiKey: AuthHost.AdminKey);
        var before = (await Store.ListAsync(null)).Count;

        using var response = await admin.PostAsync("/admin/keys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal(before, (await Store.ListAsync(null)).Count);
    }
}
