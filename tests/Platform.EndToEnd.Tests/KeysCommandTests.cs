using Microsoft.Extensions.Configuration;
using Platform.BuildingBlocks.Auth;
using Platform.Host;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary><c>platform keys create|list|revoke</c> against a real database: the key is printed once, only its hash is kept.</summary>
public sealed class KeysCommandTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("platform-keys-");

    public void Dispose() => _workspace.Delete(recursive: true);

    [Fact]
    public async Task Create_prints_the_key_once_list_shows_it_without_the_secret_and_revoke_ends_it()
    {
        var (created, createOutput) = await RunAsync("keys", "create", "--tenant", "acme", "--scope", "twin:read", "estimate", "--expires", "30d");
        Assert.Equal(0, created);
        var key = createOutput.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("ptk_", StringComparison.Ordinal));
        var parsed = ApiKeyFormat.TryParse(key);
        Assert.NotNull(parsed);

        var store = new ApiKeyStore(database.DataSource, TimeProvider.System);
        var record = Assert.Single(await store.ListAsync("acme"));
        Assert.Equal(parsed.Value.KeyId, record.KeyId);
        Assert.Equal(["twin:read", "estimate"], record.Scopes);
        Assert.InRange(record.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(29.9), DateTimeOffset.UtcNow.AddDays(30.1));

        var (listed, listOutput) = await RunAsync("keys", "list", "--tenant", "acme");
        Assert.Equal(0, listed);
        Assert.Contains(record.KeyId, listOutput, StringComparison.Ordinal);
        Assert.Contains("active", listOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listOutput, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("keys", "revoke", record.KeyId)).Exit);
        Assert.NotNull(Assert.Single(await store.ListAsync("acme")).RevokedAt);
        Assert.Contains("revoked", (await RunAsync("keys", "list")).Output, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync("keys", "revoke", "0000000000000000")).Exit);
    }

    [Theory]
    [InlineData("--tenant", "acme", "--scope", "admin")]
    [InlineData("--tenant", "acme", "--scope", "everything")]
    [InlineData("--tenant", "acme\n", "--scope", "twin:read")]
    [InlineData("--tenant", "acme", "--scope", "twin:read", "--expires", "soon")]
    [InlineData("--tenant", "acme", "--scope", "twin:read", "--expires", "2001-01-01T00:00Z")]
    public async Task A_bad_create_exits_2_and_stores_nothing(params string[] options)
    {
        var (exit, _) = await RunAsync(["keys", "create", .. options]);

        Assert.Equal(2, exit);
        Assert.DoesNotContain(await new ApiKeyStore(database.DataSource, TimeProvider.System).ListAsync(null), k => k.Scopes.Contains("admin"));
    }

    [Fact]
    public void An_expiry_is_an_iso_time_or_days_or_hours_from_now()
    {
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(now.AddDays(30), KeysCommand.ParseExpiry("30d", now));
        Assert.Equal(now.AddHours(12), KeysCommand.ParseExpiry("12h", now));
        Assert.Equal(new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero), KeysCommand.ParseExpiry("2027-01-31T00:00Z", now));
        Assert.Null(KeysCommand.ParseExpiry("-3d", now));
        Assert.Null(KeysCommand.ParseExpiry("tomorrow", now));
    }

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = database.ConnectionString })
            .Build();
        var output = new StringWriter();
        var exit = await PlatformCommandLine.Create(configuration, _workspace.FullName).Parse(args)
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = output });
        return (exit, output.ToString());
    }
}
