using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Homegate.Gateway.Problems;
using Homegate.Gateway.SignupGate;
using Homegate.Verification.Observability;
using Microsoft.AspNetCore.RateLimiting;

namespace Homegate.Gateway.RateLimiting;

/// <summary>
/// Per-client-IP fixed-window limits on the framework's rate limiter. Homegate's own endpoints name
/// their policy (<c>RequireRateLimiting("sms-send")</c>); signups are limited by a global limiter that
/// recognises the signup paths in any spelling, like the gate does, whatever route matched them.
/// The partition key carries the policy's numbers, so a reloaded policy takes effect at once.
/// </summary>
internal static class RateLimitingFeature
{
    public static readonly string[] PolicyNames = ["signup", "sms-send", "sms-verify", "sms-status", "ln-create", "ln-read", "code-guess", "page"];

    public static IServiceCollection AddHomegateRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<RateLimitPolicies>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                context.HttpContext.RequestServices.GetService<HomegateMetrics>()?.RateLimitRejected(PolicyOf(context.HttpContext));
                TimeSpan? retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                return new ValueTask(HomegateProblem.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                    "rate-limited", "Too many requests", "Too many requests from this address; retry later.", retryAfter));
            };

            foreach (var name in PolicyNames.Where(n => n != "signup"))
            {
                options.AddPolicy(name, context => Partition(context, name));
            }

            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, PartitionKey>(context =>
                SignupPaths.Classify(context) != SignupEndpoint.None && !HttpMethods.IsOptions(context.Request.Method)
                    ? Partition(context, "signup")
                    : RateLimitPartition.GetNoLimiter(PartitionKey.Unlimited));
        });
        return services;
    }

    /// <summary>The policy that refused: the endpoint's named policy, else the global signup limiter.</summary>
    private static string PolicyOf(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? "signup";

    private static RateLimitPartition<PartitionKey> Partition(HttpContext context, string policy)
    {
        var settings = context.RequestServices.GetRequiredService<RateLimitPolicies>().Get(policy);
        var key = new PartitionKey(policy, ClientKey(context.Connection.RemoteIpAddress), settings.PermitLimit, settings.Window);
        return RateLimitPartition.GetFixedWindowLimiter(key, k => new FixedWindowRateLimiterOptions
        {
            PermitLimit = k.PermitLimit,
            Window = k.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>The client's rate-limit identity: its IPv4 address, or its IPv6 /64 (one subscriber's
    /// allocation, which would otherwise give one client 2^64 fresh keys).</summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    internal readonly record struct PartitionKey(string Policy, string Client, int PermitLimit, TimeSpan Window)
    {
        public static readonly PartitionKey Unlimited = new("", "", 0, TimeSpan.Zero);
    }
}
