using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.Host;

/// <summary>Composes every service module on one WebApplication, the same modules each service's own Program composes.</summary>
public static class PlatformHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();
        return app;
    }
}
