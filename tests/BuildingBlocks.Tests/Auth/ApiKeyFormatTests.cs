using Platform.BuildingBlocks.Auth;
using Platform.BuildingBlocks.Tenancy;

namespace Platform.BuildingBlocks.Tests.Auth;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void A_generated_key_has_the_prefix_256_random_bits_and_a_checksum_that_parses_back()
    {
        var key = ApiKeyFormat.Generate();

        Assert.StartsWith("ptk_", key.Key, StringComparison.Ordinal);
        Assert.Equal(ApiKeyFormat.Length, key.Key.Length);
        Assert.True(ApiKeyFormat.SecretLength * Math.Log2(62) >= 256);
        Assert.Equal(key, ApiKeyFormat.TryParse(key.Key));
        Assert.NotEqual(key.Key, ApiKeyFormat.Generate().Key);
        Assert.Equal(32, ApiKeyFormat.Hash(key.Key).Length);
    }

    [Fact]
    public void The_checksum_catches_any_changed_character_so_noise_needs_no_lookup()
    {
        var key = ApiKeyFormat.Generate().Key;
        for (var i = 4; i < key.Length; i++)
        {
            if (key[i] == '_')
            {
                continue;
            }

            var changed = key.ToCharArray();
            changed[i] = changed[i] == 'a' ? 'b' : 'a';
            Assert.Null(ApiKeyFormat.TryParse(new string(changed)));
        }

        Assert.Null(ApiKeyFormat.TryParse(key[..^1]));
        Assert.Null(ApiKeyFormat.TryParse("ghp_" + key[4..]));
        Assert.Null(ApiKeyFormat.TryParse(key.Replace('_', '-')));
        Assert.Null(ApiKeyFormat.TryParse(new string('x', ApiKeyFormat.Length)));
    }

    [Theory]
    [InlineData("alpha", true)]
    [InlineData("a_b-C9", true)]
    [InlineData("alpha\n", false)]
    [InlineData("alpha\r\n", false)]
    [InlineData("", false)]
    [InlineData("al pha", false)]
    public void A_tenant_id_with_a_trailing_newline_is_refused(string tenantId, bool valid)
    {
        Assert.Equal(valid, TenantScope.IsValidId(tenantId));
    }
}
