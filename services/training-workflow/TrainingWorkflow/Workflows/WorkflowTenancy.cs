using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.TrainingWorkflow.Workflows;

/// <summary>
/// The input of a workflow that acts for one tenant. A run belongs to the tenant its input names: the owner is read from
/// the input kept in the run's own history, so it survives restarts, is purged with the run, reads the same on daprd and
/// on the embedded sidecar, and is by construction the tenant the run trains.
/// </summary>
public interface ITenantWorkflowInput
{
    /// <summary>The tenant the run acts for (JSON <c>tenantId</c>).</summary>
    string TenantId { get; }
}

/// <summary>
/// Whose runs a caller sees and controls: one tenant's (a tenant's credential, or the admin naming a tenant), or every run
/// (the platform admin, and the platform's own triggers, which start each run for the tenant it trains).
/// </summary>
public sealed record WorkflowAccess
{
    private WorkflowAccess(string? tenantId) => TenantId = tenantId;

    public static WorkflowAccess AllTenants { get; } = new((string?)null);

    /// <summary>Null for <see cref="AllTenants"/>.</summary>
    public string? TenantId { get; }

    public static WorkflowAccess Tenant(string tenantId) => new(tenantId ?? throw new ArgumentNullException(nameof(tenantId)));

    /// <summary>Whether a run owned by <paramref name="owner"/> (null: a run of no tenant) is visible to this caller.</summary>
    public bool Allows(string? owner) => TenantId is null || string.Equals(owner, TenantId, StringComparison.Ordinal);
}

/// <summary>A start input names another tenant than the caller's; <see cref="Field"/> is its JSON path (e.g. <c>input.tenantId</c>).</summary>
public sealed class WorkflowTenantMismatchException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>A tenant's credential asked to start a workflow that belongs to no tenant (its input names none): platform admin only.</summary>
public sealed class WorkflowNotTenantScopedException(string workflow)
    : Exception($"Workflow '{workflow}' does not act for a tenant; only a platform admin starts it.");

/// <summary>Binds a start input to the tenant a caller acts for.</summary>
public static class WorkflowTenantInput
{
    /// <summary>The JSON name of <see cref="ITenantWorkflowInput.TenantId"/> (case-insensitive on input, as the deserializer reads it).</summary>
    public const string PropertyName = "tenantId";

    /// <summary>
    /// The input a caller of tenant <paramref name="tenantId"/> may start <paramref name="workflow"/> with: an object input
    /// without a tenant gets this one; any <c>tenantId</c> in it, at any depth, must be this one. Inputs that are not
    /// objects, and no input, are returned as they are (the start refuses them as unfit or missing).
    /// </summary>
    /// <exception cref="WorkflowNotTenantScopedException">The workflow's input names no tenant.</exception>
    /// <exception cref="WorkflowTenantMismatchException">The input names another tenant.</exception>
    public static JsonElement? Bind(WorkflowCatalog catalog, string workflow, JsonElement? input, string tenantId)
    {
        if (!catalog.IsTenantOwned(workflow))
        {
            throw new WorkflowNotTenantScopedException(workflow);
        }

        if (input is not { ValueKind: JsonValueKind.Object } json)
        {
            return input;
        }

        if (OtherTenant(json, "input", tenantId) is { } field)
        {
            throw new WorkflowTenantMismatchException(field,
                $"'{field}' names another tenant; a credential of tenant '{tenantId}' starts runs of its own tenant only.");
        }

        if (json.EnumerateObject().Any(p => IsTenantProperty(p.Name)))
        {
            return json;
        }

        var filled = JsonNode.Parse(json.GetRawText())!.AsObject();
        filled[PropertyName] = tenantId;
        return JsonSerializer.SerializeToElement(filled);
    }

    /// <summary>The path of the first <c>tenantId</c> in <paramref name="json"/> that is not <paramref name="tenantId"/>; null when none.</summary>
    private static string? OtherTenant(JsonElement json, string path, string tenantId)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in json.EnumerateObject())
                {
                    var at = $"{path}.{property.Name}";
                    if (IsTenantProperty(property.Name)
                        && !(property.Value.ValueKind == JsonValueKind.String && property.Value.ValueEquals(tenantId)))
                    {
                        return at;
                    }

                    if (OtherTenant(property.Value, at, tenantId) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in json.EnumerateArray())
                {
                    if (OtherTenant(item, $"{path}[{index++}]", tenantId) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static bool IsTenantProperty(string name) => string.Equals(name, PropertyName, StringComparison.OrdinalIgnoreCase);
}
