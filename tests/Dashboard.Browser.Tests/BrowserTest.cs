using Microsoft.Playwright;

namespace Platform.Dashboard.Browser.Tests;

/// <summary>Runs a browser test and, when it fails, saves a full-page screenshot under TestResults/dashboard-screenshots.</summary>
public abstract class BrowserTest(DashboardFixture fixture)
{
    protected DashboardFixture Fixture { get; } = fixture;

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    protected async Task InBrowserAsync(string name, bool admin, Func<IPage, Task> test)
    {
        var page = await Fixture.SignedInPageAsync(admin);
        try
        {
            await test(page);
        }
        catch
        {
            var directory = Path.Combine(RepoRoot(), "TestResults", "dashboard-screenshots");
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
            throw;
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
