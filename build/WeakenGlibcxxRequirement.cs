// MSBuild task compiled by RoslynCodeTaskFactory (see Directory.Build.targets).
// TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13) for one symbol it never calls,
// std::ios_base_library_init(). On hosts whose libstdc++ stops earlier (Debian 12: 3.4.30) the loader refuses
// the library. Marking that version requirement weak (VER_FLG_WEAK) in the copy in the build output lets it load;
// the package cache copy is never touched.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    const string RequiredVersion = "GLIBCXX_3.4.32";

    [Required]
    public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        if (Libraries.Length == 0)
        {
            return true;
        }
        string? libstdcxx = FindHostLibStdCxx();
        if (libstdcxx is null)
        {
            Log.LogMessage(MessageImportance.Low, "No host libstdc++.so.6 found; leaving libLibTorchSharp.so as is.");
            return true;
        }
        if (ElfVersions.Defines(File.ReadAllBytes(libstdcxx), RequiredVersion))
        {
            Log.LogMessage(MessageImportance.Low, $"{libstdcxx} defines {RequiredVersion}; no patch needed.");
            return true;
        }
        foreach (ITaskItem item in Libraries)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                byte[] image = File.ReadAllBytes(path);
                switch (ElfVersions.WeakenRequirement(image, RequiredVersion))
                {
                    case WeakenResult.Weakened:
                        ReplaceFile(path, image);
                        Log.LogMessage(MessageImportance.Normal, $"Marked {RequiredVersion} weak in {path} (host libstdc++ lacks it).");
                        break;
                    case WeakenResult.AlreadyWeak:
                        Log.LogMessage(MessageImportance.Low, $"{RequiredVersion} already weak in {path}.");
                        break;
                    case WeakenResult.NotRequired:
                        Log.LogMessage(MessageImportance.Low, $"{path} does not require {RequiredVersion}.");
                        break;
                }
            }
            catch (InvalidDataException ex)
            {
                Log.LogError($"{path}: {ex.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    // Write a new file and move it over the old one: if the output copy is a hard link into the NuGet cache,
    // this breaks the link instead of patching the cache. The timestamp is kept so incremental copies stay skipped.
    static void ReplaceFile(string path, byte[] image)
    {
        DateTime lastWrite = File.GetLastWriteTimeUtc(path);
        string temp = path + ".weakening";
        File.WriteAllBytes(temp, image);
        File.SetLastWriteTimeUtc(temp, lastWrite);
        File.Delete(path);
        File.Move(temp, path);
    }

    static string? FindHostLibStdCxx()
    {
        foreach (string candidate in LdCacheCandidates())
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        string[] usual =
        {
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        };
        foreach (string candidate in usual)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    // glibc's /etc/ld.so.cache ("glibc-ld.so.cache1.1" format) holds NUL-terminated key and value strings in its
    // string table; the value after the key "libstdc++.so.6" is the library's path. Reading the strings is enough.
    static IEnumerable<string> LdCacheCandidates()
    {
        const string cache = "/etc/ld.so.cache";
        if (!File.Exists(cache))
        {
            yield break;
        }
        byte[] bytes = File.ReadAllBytes(cache);
        var strings = new List<string>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != 0)
            {
                continue;
            }
            if (i > start)
            {
                strings.Add(Encoding.ASCII.GetString(bytes, start, i - start));
            }
            start = i + 1;
        }
        foreach (string s in strings)
        {
            if (s.StartsWith("/", StringComparison.Ordinal) && s.EndsWith("/libstdc++.so.6", StringComparison.Ordinal))
            {
                yield return s;
            }
        }
    }
}

public enum WeakenResult
{
    NotRequired,
    AlreadyWeak,
    Weakened,
}

/// <summary>Reads and edits the GNU symbol-versioning sections of a little-endian ELF64 image.</summary>
public static class ElfVersions
{
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    readonly struct Section
    {
        public Section(uint type, long offset, long size, uint link, uint info)
        {
            Type = type; Offset = offset; Size = size; Link = link; Info = info;
        }

        public uint Type { get; }
        public long Offset { get; }
        public long Size { get; }
        public uint Link { get; }
        public uint Info { get; }
    }

    public static bool Defines(byte[] image, string version)
    {
        var sections = ReadSections(image);
        foreach (Section s in sections)
        {
            if (s.Type != ShtGnuVerdef)
            {
                continue;
            }
            Section strings = sections[(int)s.Link];
            long def = s.Offset;
            for (uint i = 0; i < s.Info; i++)
            {
                ushort count = U16(image, def + 6);
                uint aux = U32(image, def + 12);
                uint next = U32(image, def + 16);
                if (count > 0 && Name(image, strings, U32(image, def + aux)) == version)
                {
                    return true;
                }
                if (next == 0)
                {
                    break;
                }
                def += next;
            }
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry naming <paramref name="version"/>, in place.</summary>
    public static WeakenResult WeakenRequirement(byte[] image, string version)
    {
        var sections = ReadSections(image);
        var result = WeakenResult.NotRequired;
        foreach (Section s in sections)
        {
            if (s.Type != ShtGnuVerneed)
            {
                continue;
            }
            if ((int)s.Link >= sections.Count)
            {
                throw new InvalidDataException(".gnu.version_r links to a missing string table.");
            }
            Section strings = sections[(int)s.Link];
            long need = s.Offset;
            for (uint i = 0; i < s.Info; i++)
            {
                ushort count = U16(image, need + 2);
                long aux = need + U32(image, need + 8);
                for (int j = 0; j < count; j++)
                {
                    if (Name(image, strings, U32(image, aux + 8)) == version)
                    {
                        ushort flags = U16(image, aux + 4);
                        if ((flags & VerFlgWeak) != 0)
                        {
                            result = result == WeakenResult.Weakened ? result : WeakenResult.AlreadyWeak;
                        }
                        else
                        {
                            W16(image, aux + 4, (ushort)(flags | VerFlgWeak));
                            result = WeakenResult.Weakened;
                        }
                    }
                    uint auxNext = U32(image, aux + 12);
                    if (auxNext == 0)
                    {
                        break;
                    }
                    aux += auxNext;
                }
                uint next = U32(image, need + 12);
                if (next == 0)
                {
                    break;
                }
                need += next;
            }
        }
        return result;
    }

    static List<Section> ReadSections(byte[] image)
    {
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file.");
        }
        if (image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException("only little-endian ELF64 is supported.");
        }
        long shoff = (long)U64(image, 0x28);
        ushort shentsize = U16(image, 0x3A);
        ushort shnum = U16(image, 0x3C);
        if (shentsize < 64 || shoff <= 0 || shoff + (long)shnum * shentsize > image.Length)
        {
            throw new InvalidDataException("section header table lies outside the file.");
        }
        var sections = new List<Section>(shnum);
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            var s = new Section(U32(image, h + 4), (long)U64(image, h + 0x18), (long)U64(image, h + 0x20), U32(image, h + 0x28), U32(image, h + 0x2C));
            if ((s.Type == ShtGnuVerdef || s.Type == ShtGnuVerneed) && s.Offset + s.Size > image.Length)
            {
                throw new InvalidDataException($"section {i} lies outside the file.");
            }
            sections.Add(s);
        }
        return sections;
    }

    static string Name(byte[] image, Section strings, uint offset)
    {
        long start = strings.Offset + offset;
        long end = start;
        long limit = Math.Min(image.Length, strings.Offset + strings.Size);
        while (end < limit && image[end] != 0)
        {
            end++;
        }
        return Encoding.ASCII.GetString(image, (int)start, (int)(end - start));
    }

    static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, checked((int)o));
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, checked((int)o));
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, checked((int)o));
    static void W16(byte[] b, long o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
}
