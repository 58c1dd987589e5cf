namespace Platform.Valuation.Api.Estimation;

/// <summary>Loads the model library's price model file. (Adapter pending: the model library has not published PriceModel yet.)</summary>
public sealed class PriceModelLoader : IPriceModelLoader
{
    public IPriceEstimator Load(byte[] modelFile) =>
        throw new NotSupportedException("The price model library (Valuation.Model) does not provide PriceModel yet.");
}
