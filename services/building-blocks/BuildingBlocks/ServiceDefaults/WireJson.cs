using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.BuildingBlocks.ServiceDefaults;

/// <summary>
/// The platform's JSON wire: snake_case members, nulls left out, numbers only as JSON numbers. <see cref="Options"/> is it for
/// clients, events and files; HTTP answers and bodies get it from the one HTTP JSON configuration (<see cref="ConfigureHttpJson"/>)
/// for the types of the assemblies a module declares as its wire contracts (<see cref="AddWireContracts"/>). Types of other
/// assemblies keep ASP.NET's web defaults (camelCase): the all-in-one host serves the workflow management API, which follows
/// Dapr's camelCase workflow API, and the dashboard's streams in the same process, so one set of options serves both shapes.
/// </summary>
public static class WireJson
{
    private static readonly JsonNamingPolicy Naming = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>The wire for code that serializes by itself (clients, events, the command line).</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>The types of <paramref name="assemblies"/> are on the platform wire in HTTP answers, bodies and the OpenAPI document.</summary>
    public static IServiceCollection AddWireContracts(this IServiceCollection services, params Assembly[] assemblies)
    {
        services.Configure<WireContracts>(contracts => contracts.Assemblies.UnionWith(assemblies));
        return services;
    }

    /// <summary>The one HTTP JSON configuration of a host (results, bound bodies, problem details, OpenAPI schemas).</summary>
    internal static IServiceCollection ConfigureHttpJson(this IServiceCollection services)
    {
        services.AddOptions<JsonOptions>().Configure<IOptions<WireContracts>>((json, contracts) =>
        {
            var wire = contracts.Value.Assemblies;
            json.SerializerOptions.TypeInfoResolver = (json.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver())
                .WithAddedModifier(type =>
                {
                    if (type.Kind == JsonTypeInfoKind.Object && wire.Contains(type.Type.Assembly))
                    {
                        ToWire(type);
                    }
                });
        });
        return services;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = Naming,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>What <see cref="Options"/> does, for one type of the web-default HTTP options: names (unless given), nulls, numbers.</summary>
    private static void ToWire(JsonTypeInfo type)
    {
        type.NumberHandling ??= JsonNumberHandling.Strict;
        foreach (var property in type.Properties)
        {
            if (property.AttributeProvider is MemberInfo member && !member.IsDefined(typeof(JsonPropertyNameAttribute), inherit: true))
            {
                property.Name = Naming.ConvertName(member.Name);
            }

            if (property.ShouldSerialize is null && (!property.PropertyType.IsValueType || Nullable.GetUnderlyingType(property.PropertyType) is not null))
            {
                property.ShouldSerialize = static (_, value) => value is not null;
            }
        }
    }
}

/// <summary>The assemblies whose types are on the platform's snake_case wire (<see cref="WireJson.AddWireContracts"/>).</summary>
public sealed class WireContracts
{
    internal HashSet<Assembly> Assemblies { get; } = [];
}
