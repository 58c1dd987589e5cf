namespace Platform.TrainingWorkflow.Workflows;

/// <summary>Progress a workflow reports as its custom status: the current step and how far along the run is.</summary>
public sealed record WorkflowProgress(string Step, int StepNumber, int StepCount, string? Detail = null)
{
    public double Percent => StepCount == 0 ? 0 : Math.Round(100.0 * (StepNumber - 1) / StepCount, 1);
}
