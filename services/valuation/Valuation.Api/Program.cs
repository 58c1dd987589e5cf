using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.Registry;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.Valuation.Api;

/// <summary>The valuation service on its own; the all-in-one platform host composes the same module calls.</summary>
public class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();
        builder.AddValuation();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UsePlatformBuildingBlocks();
        app.MapDefaultEndpoints();
        app.MapValuationApi();
        app.MapRegistryEndpoints();
        app.Run();
    }
}
