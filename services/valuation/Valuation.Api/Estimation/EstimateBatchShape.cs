using System.Text.Json;

namespace Platform.Valuation.Api.Estimation;

/// <summary>What is wrong with the shape of an estimate batch, before any row is read.</summary>
public enum BatchShapeProblem
{
    None,

    /// <summary>No <c>properties</c> array in a JSON object.</summary>
    NoPropertiesArray,

    /// <summary>More rows than <see cref="ValuationOptions.BatchLimit"/>.</summary>
    TooManyRows,

    /// <summary>An empty <c>properties</c> array.</summary>
    Empty,
}

/// <summary>
/// The one shape check of an estimate batch, <c>{ "properties": [ ... ] }</c>, shared by <c>POST /estimate</c> and the
/// estimate-requests subscription (which answer a bad shape differently: a problem, or dropping the message).
/// </summary>
public static class EstimateBatchShape
{
    public const string PropertiesField = "properties";

    public static BatchShapeProblem Check(JsonElement batch, int batchLimit, out JsonElement properties)
    {
        if (batch.ValueKind != JsonValueKind.Object
            || !batch.TryGetProperty(PropertiesField, out properties)
            || properties.ValueKind != JsonValueKind.Array)
        {
            properties = default;
            return BatchShapeProblem.NoPropertiesArray;
        }

        var count = properties.GetArrayLength();
        return count > batchLimit ? BatchShapeProblem.TooManyRows
            : count == 0 ? BatchShapeProblem.Empty
            : BatchShapeProblem.None;
    }
}
