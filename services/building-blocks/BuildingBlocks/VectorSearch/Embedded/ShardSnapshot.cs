using System.Security.Cryptography;
using System.Text;

namespace Platform.BuildingBlocks.VectorSearch.Embedded;

/// <summary>
/// The on-disk form of one tenant's shard: a header with the space's dimension and declared fields, then per point its id,
/// payload values (in declared order) and unit vector (little-endian binary). Stored vectors are already normalised, so loading
/// is a copy, not a re-encode. Written to a temporary file and renamed over the old one, so a crash leaves either the previous
/// or the new snapshot, never half of one.
/// </summary>
internal static class ShardSnapshot
{
    private const uint Magic = 0x58495650; // "PVIX"
    private const int FormatVersion = 2;
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
        var fields = shard.Space.Fields;
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(shard.Dimension);
            writer.Write(fields.Count);
            foreach (var field in fields)
            {
                writer.Write(field.Name);
                writer.Write((int)field.Type);
            }

            writer.Write(shard.TenantId);
            writer.Write(shard.Count);
            for (var row = 0; row < shard.Count; row++)
            {
                writer.Write(shard.IdAt(row));
                foreach (var field in fields)
                {
                    WriteValue(writer, shard.Column(field.Name).Get(row));
                }

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

    /// <summary>Reads a snapshot; a damaged file or one of another shape fails with the file's path in the message.</summary>
    public static TenantShard Read(string path, VectorSpace space)
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

            var dimension = reader.ReadInt32();
            if (dimension != space.Dimension)
            {
                throw new InvalidDataException(
                    $"Vector snapshot '{path}' holds {dimension}-dimensional vectors; space '{space.Name}' is declared with {space.Dimension}.");
            }

            var fieldCount = reader.ReadInt32();
            var fields = new PayloadField[fieldCount];
            for (var i = 0; i < fieldCount; i++)
            {
                fields[i] = new PayloadField(reader.ReadString(), (PayloadFieldType)reader.ReadInt32());
            }

            if (!fields.Select(f => (f.Name, f.Type)).SequenceEqual(space.Fields.Select(f => (f.Name, f.Type))))
            {
                throw new InvalidDataException($"Vector snapshot '{path}' has payload fields [{string.Join(", ", fields.Select(f => $"{f.Name}:{f.Type}"))}]; "
                    + $"space '{space.Name}' declares [{string.Join(", ", space.Fields.Select(f => $"{f.Name}:{f.Type}"))}].");
            }

            var shard = new TenantShard(reader.ReadString(), space);
            var count = reader.ReadInt32();
            var vector = new float[dimension];
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadString();
                var payload = new Dictionary<string, PayloadValue>(fieldCount, StringComparer.Ordinal);
                foreach (var field in fields)
                {
                    payload[field.Name] = ReadValue(reader, field.Type);
                }

                for (var d = 0; d < dimension; d++)
                {
                    vector[d] = reader.ReadSingle();
                }

                VectorMath.EnsureValid(vector, dimension, $"Vector snapshot '{path}', point {i} ('{id}')");
                shard.Upsert(id, vector, payload, isUnit: true);
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

    private static void WriteValue(BinaryWriter writer, PayloadValue value)
    {
        switch (value.Type)
        {
            case PayloadFieldType.Keyword:
                writer.Write(value.KeywordValue!);
                break;
            case PayloadFieldType.Integer:
                writer.Write(value.IntegerValue);
                break;
            case PayloadFieldType.Float:
                writer.Write(value.FloatValue);
                break;
            case PayloadFieldType.Geo:
                writer.Write(value.GeoValue.Latitude);
                writer.Write(value.GeoValue.Longitude);
                break;
            default:
                writer.Write(value.BoolValue);
                break;
        }
    }

    private static PayloadValue ReadValue(BinaryReader reader, PayloadFieldType type) => type switch
    {
        PayloadFieldType.Keyword => PayloadValue.Keyword(reader.ReadString()),
        PayloadFieldType.Integer => PayloadValue.Integer(reader.ReadInt64()),
        PayloadFieldType.Float => PayloadValue.Float(reader.ReadDouble()),
        PayloadFieldType.Geo => PayloadValue.Geo(reader.ReadDouble(), reader.ReadDouble()),
        PayloadFieldType.Bool => PayloadValue.Bool(reader.ReadBoolean()),
        _ => throw new InvalidDataException($"Unknown payload field type {(int)type}."),
    };
}
