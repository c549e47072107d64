using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace GrainChat.Gateway.Hosting;

internal static class ForwardedHeadersExtensions
{
    /// <summary>
    /// Behind a reverse proxy, the client's address and scheme come from <c>X-Forwarded-For</c> /
    /// <c>X-Forwarded-Proto</c> — believed only from the proxies in <c>GrainChat:ForwardedHeaders:KnownProxies</c>
    /// (loopback when none are set). Rate limits per address and the cookie's <c>Secure</c> flag depend on it.
    /// </summary>
    public static IServiceCollection AddGrainChatForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection("GrainChat:ForwardedHeaders:KnownProxies").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            foreach (var proxy in proxies.Length > 0 ? proxies.Select(IPAddress.Parse) : [IPAddress.Loopback, IPAddress.IPv6Loopback])
            {
                options.KnownProxies.Add(proxy);
            }
        });
        return services;
    }
}
