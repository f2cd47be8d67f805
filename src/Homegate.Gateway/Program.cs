using Homegate.Gateway.Cli;

return await HomegateCli.RunAsync(args);
