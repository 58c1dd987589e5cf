using Platform.Host;

// No verb means the main job: serve everything.
var verbs = args.Length == 0 ? ["serve"] : args;
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(verbs.Where(a => a.Contains('=')).ToArray()).Build();
if (PlatformCommandLine.NeedsDatabase(verbs) && !await LocalDatabase.EnsureAsync(configuration, Console.Out, CancellationToken.None))
{
    return 2;
}

return await PlatformCommandLine.Create().Parse(verbs).InvokeAsync();
