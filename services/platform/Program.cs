using Platform.Host;

// No verb means the main job: serve everything.
return await PlatformCommandLine.Create().Parse(args.Length == 0 ? ["serve"] : args).InvokeAsync();
