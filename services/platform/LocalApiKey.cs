using System.Security.Cryptography;

namespace Platform.Host;

/// <summary>
/// The main job's admin key when none is configured: made once, kept in <c>.platform/api-key</c> (owner-only), so the
/// workflow and registry routes are never open and a restart keeps the key the operator already has.
/// </summary>
public static class LocalApiKey
{
    /// <summary>The key's file name inside the local data folder (<see cref="LocalDataFolder"/>).</summary>
    public const string FileName = "api-key";

    public static string LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        OwnerOnlyFile.Write(path, key);

        return key;
    }
}
