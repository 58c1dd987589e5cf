using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;
using Platform.BuildingBlocks.VectorSearch;

namespace Platform.PortfolioTwin.Api;

/// <summary>The portfolio-twin service on its own; the all-in-one platform host composes the same module calls.</summary>
public class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();
        builder.Services.AddVectorIndex(builder.Configuration);
        builder.AddPortfolioTwin();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UsePlatformBuildingBlocks();
        app.MapDefaultEndpoints();
        app.MapPortfolioTwinApi();
        app.Run();
    }
}
