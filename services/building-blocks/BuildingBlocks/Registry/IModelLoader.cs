namespace Platform.Valuation.Api.Estimation;

/// <summary>Turns a registered model file into an estimator; throws on a corrupt or incompatible file.</summary>
public interface IPriceModelLoader
{
    IPriceEstimator Load(byte[] modelFile);
}
