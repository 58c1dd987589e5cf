using Dapr.Workflow;
using Platform.TrainingWorkflow.Workflows;

namespace Platform.TrainingWorkflow.Pipelines.Shared;

/// <summary>Reports each step of a pipeline as the workflow's custom status (skipped on replay: the status is already recorded).</summary>
internal sealed class PipelineProgress(WorkflowContext context, IReadOnlyList<string> steps)
{
    public void Enter(string step, string? detail = null)
    {
        var number = IndexOf(step) + 1;
        context.SetCustomStatus(new WorkflowProgress(step, number, steps.Count, detail));
    }

    private int IndexOf(string step)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] == step)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{step}' is not a step of this pipeline.", nameof(step));
    }
}
