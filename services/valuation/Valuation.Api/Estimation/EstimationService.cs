using System.Text.Json;
using Microsoft.Extensions.Options;
using Platform.BuildingBlocks.Registry;
using Platform.Valuation.Api.Monitoring;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.Valuation.Api.Estimation;

/// <summary>
/// Validates a batch of request rows, estimates the valid ones with the tenant's serving champion and reports the others with
/// per-row problems. Shared by <c>POST /estimate</c> and the estimate-requests subscription.
/// </summary>
public sealed class EstimationService(
    TenantChampions<ValuationModel> champions,
    IOptionsMonitor<ValuationOptions> options,
    ValuationMetrics metrics,
    DriftMonitor drift,
    Release.ReleaseRouter release)
{
    public const string HttpSource = "http";
    public const string PubSubSource = "pubsub";

    public ValuationOptions Options => options.CurrentValue;

    /// <summary>
    /// The tenant's serving model (never another tenant's); reads the registry only when none is loaded yet (the refresher
    /// keeps it current). Null while the tenant has no champion.
    /// </summary>
    public ValueTask<LoadedModel<ValuationModel>?> GetModelAsync(string tenantId, CancellationToken cancellationToken) =>
        champions.GetAsync(tenantId, cancellationToken);

    /// <summary>The model answering one HTTP request: the tenant's champion, or its challenger for a canary share.</summary>
    public Release.ServingChoice Choose(string tenantId, LoadedModel<ValuationModel> champion) => release.Choose(tenantId, champion);

    public EstimateResponse Estimate(
        string tenantId, LoadedModel<ValuationModel> model, JsonElement properties, int comparables, string source, string alias = ModelRegistry.Champion)
    {
        var settings = options.CurrentValue;
        var count = properties.GetArrayLength();
        var results = new EstimateResult?[count];
        var valid = new List<SaleRecord>(count);
        var policy = RequestPolicy(settings);
        var validIndexes = new List<int>(count);

        var index = 0;
        foreach (var row in properties.EnumerateArray())
        {
            if (EstimateRowValidator.TryRead(row, index, model.Model, policy, out var record, out var propertyId, out var errors))
            {
                valid.Add(record);
                validIndexes.Add(index);
            }
            else
            {
                metrics.RowRejected(errors![0].Reason);
                results[index] = new EstimateResult(index, propertyId, EstimateResult.Rejected) { Problem = RowProblem.From(errors) };
            }

            index++;
        }

        if (valid.Count > 0)
        {
            var estimates = model.Model.Estimator.Predict(valid, settings.TopContributions);
            for (var i = 0; i < valid.Count; i++)
            {
                var estimate = estimates[i];
                results[validIndexes[i]] = new EstimateResult(validIndexes[i], valid[i].Id, EstimateResult.Ok)
                {
                    Estimate = Money(estimate.Estimate),
                    Low = Money(estimate.Low),
                    High = Money(estimate.High),
                    ModelVersion = model.Version.Version,
                    Contributions = [.. estimate.Contributions.Select(c => c with { Amount = Money(c.Amount) })],
                    Comparables = comparables > 0 ? FindComparables(model.Model, valid[i], comparables) : null,
                };
            }

            metrics.EstimatesServed(valid.Count, source, alias, model.Version.Version);
            if (alias == ModelRegistry.Champion)
            {
                // The drift window compares traffic with the champion's training data; canary rows would reset it.
                drift.Record(tenantId, model, valid);
                if (release.ShadowFor(tenantId, model) is { } shadow)
                {
                    ScoreInShadow(shadow, valid, estimates, settings.TopContributions);
                }
            }
        }

        metrics.RequestRows(count, source);
        return new EstimateResponse(model.Version.ModelName, model.Version.Version, count, valid.Count, count - valid.Count, results!) { Alias = alias };
    }

    /// <summary>A request row must lie within the training range of the model that prices it; categories as configured.</summary>
    private static InputPolicy RequestPolicy(ValuationOptions settings) =>
        new(settings.RangeMargin, StrictRanges: true, settings.StrictCategories);

    /// <summary>
    /// The challenger prices the same rows; only how far it lands from the champion is recorded. Rows beyond the challenger's
    /// training range are still scored (they were served), but a row it cannot price at all skips the batch.
    /// </summary>
    private void ScoreInShadow(LoadedModel<ValuationModel> shadow, List<SaleRecord> rows, IReadOnlyList<PriceEstimate> served, int topContributions)
    {
        var policy = RequestPolicy(options.CurrentValue) with { StrictRanges = false };
        if (rows.Any(row => shadow.Model.Validator.Validate(row, policy).Any(i => i.Severity == IssueSeverity.Error)))
        {
            metrics.ShadowRejected(rows.Count, shadow.Version.Version);
            return;
        }

        var shadowEstimates = shadow.Model.Estimator.Predict(rows, topContributions);
        for (var i = 0; i < rows.Count; i++)
        {
            metrics.ShadowScored(shadowEstimates[i].Estimate / served[i].Estimate - 1, shadow.Version.Version);
        }
    }

    private static List<ComparableSale> FindComparables(ValuationModel model, SaleRecord row, int k) =>
        [.. model.Estimator.FindComparables(row, k).Select(c => c with
        {
            Distance = Math.Round(c.Distance, 4),
            DistanceKm = c.DistanceKm is { } km ? Math.Round(km, 3) : null,
        })];

    // Cents are the finest meaningful unit of a price; shorter numbers are also cheaper to write.
    private static double Money(double amount) => Math.Round(amount, 2);
}
