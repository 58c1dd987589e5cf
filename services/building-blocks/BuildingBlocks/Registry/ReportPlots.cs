using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.BuildingBlocks.Artifacts;

namespace Platform.BuildingBlocks.Registry;

/// <summary>One plot of a version's quality report: its name (the file name without <c>.png</c>) and a title that says what it shows.</summary>
public sealed record ReportPlot(string Name, string Title);

/// <summary>A rendered report plot as training writes it: PNG bytes beside its name and title.</summary>
public sealed record ReportPlotImage(string Name, string Title, byte[] Png);

/// <summary>
/// The plots of a quality report live beside the report artifact (<c>{report folder}/{name}.png</c>) with a manifest,
/// <c>plots.json</c>, listing them in reading order — the artifact port cannot list a folder, and the manifest carries titles.
/// A version whose report has no manifest simply has no plots.
/// </summary>
public static partial class ReportPlots
{
    public const string ManifestName = "plots.json";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>Plot names are file names: lower-case letters, digits, '_' and '-'.</summary>
    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    public static string PlotArtifactId(string reportArtifactId, string name) => Folder(reportArtifactId) + name + ".png";

    public static string ManifestArtifactId(string reportArtifactId) => Folder(reportArtifactId) + ManifestName;

    /// <summary>Writes each plot and then the manifest, so a reader never sees a listed plot that is not there yet.</summary>
    public static async Task WriteAsync(IArtifactStore artifacts, string reportArtifactId, IEnumerable<ReportPlotImage> plots, CancellationToken cancellationToken = default)
    {
        var manifest = new List<ReportPlot>();
        foreach (var plot in plots)
        {
            if (!IsValidName(plot.Name))
            {
                throw new ArgumentException($"'{plot.Name}' is not a valid plot name (lower-case letters, digits, '_' and '-').", nameof(plots));
            }

            using var png = new MemoryStream(plot.Png, writable: false);
            await artifacts.PutAsync(PlotArtifactId(reportArtifactId, plot.Name), png, cancellationToken).ConfigureAwait(false);
            manifest.Add(new ReportPlot(plot.Name, plot.Title));
        }

        using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        await artifacts.PutAsync(ManifestArtifactId(reportArtifactId), json, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The plots listed for a report; empty when the version has no report or its report has no plots.</summary>
    public static async Task<IReadOnlyList<ReportPlot>> ListAsync(IArtifactStore artifacts, string? reportArtifactId, CancellationToken cancellationToken = default)
    {
        if (reportArtifactId is null)
        {
            return [];
        }

        var manifestId = ManifestArtifactId(reportArtifactId);
        if (!await artifacts.ExistsAsync(manifestId, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        await using var stream = await artifacts.OpenReadAsync(manifestId, cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync<List<ReportPlot>>(stream, Json, cancellationToken).ConfigureAwait(false) ?? [];
    }

    private static string Folder(string reportArtifactId)
    {
        var slash = reportArtifactId.LastIndexOf('/');
        return slash < 0 ? "" : reportArtifactId[..(slash + 1)];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex ValidName();
}
