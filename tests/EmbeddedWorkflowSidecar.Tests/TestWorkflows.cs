using Dapr.Workflow;

namespace Platform.EmbeddedWorkflowSidecar.Tests;

public static class TestWorkflows
{
    public static void Register(WorkflowRuntimeOptions options)
    {
        options.RegisterWorkflow<ChainWorkflow>();
        options.RegisterActivity<AddOneActivity>();
    }
}

/// <summary>Adds one, <c>Steps</c> times, each step an activity.</summary>
public sealed class ChainWorkflow : Workflow<ChainInput, int>
{
    public override async Task<int> RunAsync(WorkflowContext context, ChainInput input)
    {
        var value = input.Start;
        for (var i = 0; i < input.Steps; i++)
        {
            value = await context.CallActivityAsync<int>(nameof(AddOneActivity), value);
        }

        return value;
    }
}

public sealed record ChainInput(int Start, int Steps);

public sealed class AddOneActivity : WorkflowActivity<int, int>
{
    public override Task<int> RunAsync(WorkflowActivityContext context, int input) => Task.FromResult(input + 1);
}
