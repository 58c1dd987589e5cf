using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.TrainingWorkflow.Workflows;

/// <summary>
/// The JSON the Dapr Workflow SDK writes into history for inputs, outputs, events and custom status: web defaults
/// (camelCase), enums as names and no nulls, so history and the management API read well for people.
/// </summary>
public static class WorkflowJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
