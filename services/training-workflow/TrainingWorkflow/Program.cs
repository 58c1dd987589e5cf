using Platform.BuildingBlocks.Audit;
using Platform.BuildingBlocks.Hosting;
using Platform.BuildingBlocks.ServiceDefaults;

namespace Platform.TrainingWorkflow;

public static class Program
{
    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddPlatformBuildingBlocks();
        builder.AddTrainingWorkflow();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UsePlatformBuildingBlocks();
        app.MapDefaultEndpoints();
        app.MapTrainingWorkflowApi();
        app.MapAuditEndpoints();
        await app.RunAsync();
    }
}
