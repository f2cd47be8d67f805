using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Homegate.Fakes.Homeserver;

/// <summary>
/// <c>homegate-fakes upstream</c>: the cheapest possible HTTP upstream for proxy benchmarks, answering
/// every request with 200 and a fixed ~100-byte body, so the measurement is the proxy's own cost.
/// </summary>
public static class UpstreamCommand
{
    private static readonly byte[] Body =
        "{\"ok\":true,\"server\":\"homegate-fakes upstream\",\"padding\":\"0123456789abcdef0123456789abcdef01234\"}\n"u8.ToArray();

    public static async Task<int> RunUpstreamAsync(string[] args)
    {
        await using var app = FakeHomeserver.BuildApp(CommandLine.IntOption(args, "--port", 0), Map);
        await app.StartAsync();
        Console.Out.WriteLine(new JsonObject { ["url"] = FakeHomeserver.BoundAddress(app) + "/" }.ToJsonString());
        await Console.Out.FlushAsync();
        await CommandLine.WaitForShutdownAsync();
        await app.StopAsync();
        return 0;
    }

    private static void Map(WebApplication app) => app.Run(async ctx =>
    {
        // Drain the request so keep-alive connections stay reusable under wrk.
        await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = Body.Length;
        await ctx.Response.Body.WriteAsync(Body, ctx.RequestAborted);
    });
}
