using Platform.Valuation.Model.Training;

namespace Platform.Host.Commands;

/// <summary>Progress lines on stderr (phase, rows, elapsed) so stdout stays clean for scripts.</summary>
internal sealed class TrainingProgressConsole(TextWriter writer) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) =>
        writer.WriteLine($"[{value.Elapsed:mm\\:ss\\.f}] {value.Phase} ({value.Rows:N0} rows)");
}
