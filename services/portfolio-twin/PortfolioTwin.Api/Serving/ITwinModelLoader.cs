namespace Platform.PortfolioTwin.Api.Serving;

/// <summary>Turns a registered twin model file into a servable model (the champion cache calls it on every new version).</summary>
public interface ITwinModelLoader
{
    IServedTwin Load(byte[] modelFile);
}
