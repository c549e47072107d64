using GrainChat.Grains.Presence;
using GrainChat.Grains.Robots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainChat.Grains;

public static class ChatGrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the chat grains need besides storage: their options (<c>GrainChat:Presence</c>, <c>GrainChat:Limits</c>, <c>GrainChat:Robots</c>),
    /// the robots' HTTP client and a clock. The storage interfaces they use are registered by the host.
    /// </summary>
    public static IServiceCollection AddChatGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection(PresenceOptions.SectionName));
        services.AddOptions<MembershipLimits>().Bind(configuration.GetSection(MembershipLimits.SectionName));
        services.AddOptions<RobotOptions>().Bind(configuration.GetSection(RobotOptions.SectionName));
        services.AddHttpClient(RobotOptions.HttpClientName);
        return services;
    }
}
