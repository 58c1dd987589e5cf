using Platform.Host;

// No verb means the main job: serve everything.
return await PlatformCommandLine.InvokeAsync(PlatformCommandLine.Create(), args.Length == 0 ? ["serve"] : args);
