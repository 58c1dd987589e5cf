using System.Security.Cryptography;
using System.Text;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// The on-disk form of one tenant's shard: a small header, then per point its id, payload and unit vector (little-endian
/// binary). Stored vectors are already normalised, so loading is a copy, not a re-encode. Written to a temporary file and
/// renamed over the old one, so a crash leaves either the previous or the new snapshot, never half of one.
/// </summary>
internal static class ShardSnapshot
{
    private const uint Magic = 0x58495650; // "PVIX"
    private const int FormatVersion = 1;
    public const string Extension = ".vectors";

    /// <summary>A file name from a hash of the tenant id: tenant ids may hold characters no file system accepts.</summary>
    public static string FileNameFor(string tenantId) =>
        "tenant-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId)))[..32] + Extension;

    /// <summary>Writes the snapshot; the caller holds the shard's read lock.</summary>
    public static void Write(TenantShard shard, string directory)
    {
        var path = Path.Combine(directory, FileNameFor(shard.TenantId));
        if (shard.Count == 0)
        {
            File.Delete(path);
            return;
        }

        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(shard.Dimension);
            writer.Write(shard.TenantId);
            writer.Write(shard.Count);
            for (var row = 0; row < shard.Count; row++)
            {
                var payload = shard.PayloadAt(row);
                writer.Write(shard.IdAt(row));
                writer.Write(payload.PropertyType);
                writer.Write(payload.Status);
                writer.Write(payload.Price);
                writer.Write(payload.Bedrooms);
                writer.Write(payload.Latitude);
                writer.Write(payload.Longitude);
                foreach (var component in shard.VectorAt(row))
                {
                    writer.Write(component);
                }
            }

            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a snapshot; a damaged file or one of another dimension fails with the file's path in the message.</summary>
    public static TenantShard Read(string path, int dimension)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadUInt32() != Magic)
            {
                throw new InvalidDataException($"Vector snapshot '{path}' is not a vector snapshot (bad magic number).");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Vector snapshot '{path}' has format version {version}; this build reads {FormatVersion}.");
            }

            var fileDimension = reader.ReadInt32();
            if (fileDimension != dimension)
            {
                throw new InvalidDataException(
                    $"Vector snapshot '{path}' holds {fileDimension}-dimensional vectors; the index is configured for {dimension}.");
            }

            var shard = new TenantShard(reader.ReadString(), dimension);
            var count = reader.ReadInt32();
            var vector = new float[dimension];
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                var type = reader.ReadString();
                var status = reader.ReadString();
                var price = reader.ReadDouble();
                var bedrooms = reader.ReadInt32();
                var latitude = reader.ReadDouble();
                var longitude = reader.ReadDouble();
                for (var d = 0; d < dimension; d++)
                {
                    vector[d] = reader.ReadSingle();
                }

                VectorMath.EnsureValid(vector, dimension, $"Vector snapshot '{path}', point {i} ('{id}')");
                shard.Upsert(id, vector, new VectorPayload(shard.TenantId, type, price, bedrooms, latitude, longitude, status), isUnit: true);
            }

            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"Vector snapshot '{path}' has {stream.Length - stream.Position} unexpected bytes after {count} points.");
            }

            shard.Dirty = false;
            return shard;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Vector snapshot '{path}' is truncated.", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
