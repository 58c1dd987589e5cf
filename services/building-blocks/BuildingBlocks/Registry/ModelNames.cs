namespace Platform.BuildingBlocks.Registry;

/// <summary>
/// The one catalogue of registry model names: the services' options, the training pipelines' contracts and the demo
/// bootstrap all name models from here, so a name is spelled once.
/// </summary>
public static class ModelNames
{
    /// <summary>The valuation service's price model.</summary>
    public const string Price = "price";

    /// <summary>The portfolio-twin recommender.</summary>
    public const string Twin = "twin";

    /// <summary>
    /// The models the platform itself trains and serves: every tenant has them, registered or not yet (an empty alias list
    /// of one of these is an answer; of any other name the tenant never registered, an unknown model).
    /// </summary>
    public static bool IsPlatformModel(string name) => name is Price or Twin;

    /// <summary>What a registry model name may look like (lower-case, digits and dashes).</summary>
    public const string Pattern = "^[a-z0-9][a-z0-9-]{0,62}$";
}
