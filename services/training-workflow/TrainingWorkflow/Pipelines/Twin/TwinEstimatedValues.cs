using Platform.MarketData.Domain;
using Platform.TrainingWorkflow.Pipelines.Price;
using Platform.Valuation.Model;
using Platform.Valuation.Model.Data;
using Platform.Valuation.Model.Prediction;

namespace Platform.TrainingWorkflow.Pipelines.Twin;

/// <summary>
/// The twin's estimated-value feature at training time: each property priced by the price champion as a sale dated
/// <c>asOf</c> (<see cref="PriceDatasetFormat.ToRecord"/>). Serving asks the valuation estimate path for the same rows
/// (portfolio-twin's <c>PriceEstimateRows</c>), so a property gets the same feature vector in both: estimates are kept in
/// cents as the API answers them, and a property the API would refuse with its default checks (a feature beyond the
/// model's training range plus 10 %, an unseen category, a required feature missing) has no estimate here either.
/// </summary>
public static class TwinEstimatedValues
{
    /// <summary>Estimates by property id; properties the estimate API would refuse or the model cannot price are left out.</summary>
    public static Dictionary<string, double> Estimate(PriceModel model, IReadOnlyList<Property> properties, DateTime asOf)
    {
        var rows = properties.Select(p => PriceDatasetFormat.ToRecord(p, asOf)).ToList();
        var estimates = new double[rows.Count];
        model.PredictPrices(rows, estimates);
        var result = new Dictionary<string, double>(properties.Count, StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            if (double.IsFinite(estimates[i]) && !RefusedByEstimateApi(model, rows[i]))
            {
                result[properties[i].PropertyId] = Math.Round(estimates[i], 2);
            }
        }

        return result;
    }

    // The API rejects the model's errors (strict categories) and its out-of-range warnings (same 10 % margin by default).
    private static bool RefusedByEstimateApi(PriceModel model, SaleRecord row) =>
        model.Validate(row, strict: true).Any(issue => issue.Severity == IssueSeverity.Error
            || issue.Reason == InputReason.OutOfRange);
}
