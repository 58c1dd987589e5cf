using System.Security.Cryptography;
using System.Text;

namespace Platform.BuildingBlocks.VectorSearch.Qdrant;

/// <summary>
/// Qdrant accepts only unsigned integers or UUIDs as point ids. Ours are strings scoped by tenant, so each (tenant, id)
/// maps to a name-based UUID (version 5, RFC 9562): stable across processes, and the same id in two tenants never
/// collides. The original id travels in the payload.
/// </summary>
public static class QdrantPointIds
{
    // A fixed namespace for this platform's property points.
    private static readonly byte[] Namespace = Guid.Parse("6f1c6a52-3b0e-4c55-9a1e-2f7f3f0c9d41").ToByteArray(bigEndian: true);

    public static Guid For(string tenantId, string id)
    {
        var name = Encoding.UTF8.GetBytes(tenantId + "\u001f" + id);
        var input = new byte[Namespace.Length + name.Length];
        Namespace.CopyTo(input, 0);
        name.CopyTo(input, Namespace.Length);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        var uuid = hash[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x50);
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
        return new Guid(uuid, bigEndian: true);
    }
}
