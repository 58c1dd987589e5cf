using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Platform.Architecture.Tests;

/// <summary>A type one assembly uses from another, as its metadata records it (the TypeRef table).</summary>
public sealed record TypeUse(string Assembly, string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}.{Name} ({Assembly})";
}

/// <summary>
/// What a compiled assembly references: the assemblies (AssemblyRef table) and every external type it uses, read with
/// System.Reflection.Metadata without loading anything. The compiler records a reference only for what the code uses,
/// so this is the code's real dependency, whatever the csproj allows.
/// </summary>
public sealed record CompiledReferences(IReadOnlySet<string> Assemblies, IReadOnlyList<TypeUse> Types)
{
    public static CompiledReferences Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();

        var assemblies = metadata.AssemblyReferences
            .Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name))
            .ToHashSet(StringComparer.Ordinal);

        var types = new List<TypeUse>();
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            var name = metadata.GetString(type.Name);
            // A nested type's scope is its declaring type: the namespace and assembly are the outermost type's.
            var outer = type;
            while (outer.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                outer = metadata.GetTypeReference((TypeReferenceHandle)outer.ResolutionScope);
            }

            if (outer.ResolutionScope.Kind == HandleKind.AssemblyReference)
            {
                var assembly = metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)outer.ResolutionScope).Name);
                types.Add(new TypeUse(assembly, metadata.GetString(outer.Namespace), name));
            }
        }

        return new CompiledReferences(assemblies, types);
    }
}
