using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace Platform.BuildingBlocks.Auth;

/// <summary>A tenant API key split into its public id and the whole key (which is the secret).</summary>
public readonly record struct ParsedApiKey(string KeyId, string Key);

/// <summary>
/// Tenant API keys, shaped like GitHub's tokens so a secret scanner can tell a real key from noise without a lookup:
/// <c>ptk_</c>, a 16-character public key id, <c>_</c>, 43 random base62 characters (256 bits) and a 6-character base62
/// CRC-32 of everything before it. Only the SHA-256 of the key is stored.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "ptk_";
    public const int KeyIdLength = 16;
    public const int SecretLength = 43; // 43 · log2(62) ≈ 256.03 bits
    public const int ChecksumLength = 6; // 62^6 > 2^32
    public const int Length = 4 + KeyIdLength + 1 + SecretLength + ChecksumLength;

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A fresh key from the system CSPRNG.</summary>
    public static ParsedApiKey Generate() =>
        Compose(RandomNumberGenerator.GetString(Alphabet, KeyIdLength), RandomNumberGenerator.GetString(Alphabet, SecretLength));

    /// <summary>The key of a given id and secret (base62, <see cref="KeyIdLength"/> and <see cref="SecretLength"/> characters).</summary>
    public static ParsedApiKey Compose(string keyId, string secret)
    {
        var body = Prefix + keyId + "_" + secret;
        return new ParsedApiKey(keyId, body + Checksum(body));
    }

    /// <summary>The key's id when <paramref name="presented"/> has the format and a correct checksum; otherwise null (no lookup needed).</summary>
    public static ParsedApiKey? TryParse(string presented)
    {
        if (presented.Length != Length || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented[Prefix.Length + KeyIdLength] != '_')
        {
            return null;
        }

        for (var i = Prefix.Length; i < presented.Length; i++)
        {
            if (i != Prefix.Length + KeyIdLength && !IsBase62(presented[i]))
            {
                return null;
            }
        }

        Span<char> checksum = stackalloc char[ChecksumLength];
        WriteChecksum(presented.AsSpan(0, presented.Length - ChecksumLength), checksum);
        return checksum.SequenceEqual(presented.AsSpan(presented.Length - ChecksumLength))
            ? new ParsedApiKey(presented.Substring(Prefix.Length, KeyIdLength), presented)
            : null;
    }

    /// <summary>
    /// SHA-256 of the key. A fast unsalted hash is enough here, unlike for passwords: the key holds 256 random bits, so a
    /// stolen hash cannot be reversed by guessing, and a slow hash (bcrypt, Argon2) would cost every request on the hot path.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>Whether <paramref name="key"/> hashes to <paramref name="stored"/>, compared in constant time; on the stack (every keyed request checks it).</summary>
    public static bool HashMatches(string key, ReadOnlySpan<byte> stored)
    {
        Span<byte> text = key.Length <= Length ? stackalloc byte[Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..Encoding.UTF8.GetBytes(key, text)], digest);
        return CryptographicOperations.FixedTimeEquals(digest, stored);
    }

    private static string Checksum(string body)
    {
        Span<char> digits = stackalloc char[ChecksumLength];
        WriteChecksum(body, digits);
        return new string(digits);
    }

    /// <summary>The base62 CRC-32 of <paramref name="body"/> (ASCII: the format checked it is base62 and '_').</summary>
    private static void WriteChecksum(ReadOnlySpan<char> body, Span<char> digits)
    {
        Span<byte> ascii = body.Length <= Length ? stackalloc byte[Length] : new byte[body.Length];
        var crc = Crc32.HashToUInt32(ascii[..Encoding.ASCII.GetBytes(body, ascii)]);
        for (var i = ChecksumLength - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(crc % 62)];
            crc /= 62;
        }
    }

    private static bool IsBase62(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');
}
