namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// Turns a registered model file into a servable model (the champion cache calls it for every new version); throws on a
/// corrupt or incompatible file, which leaves the previous model serving.
/// </summary>
public interface IModelLoader<out TModel>
{
    TModel Load(byte[] modelFile);
}
