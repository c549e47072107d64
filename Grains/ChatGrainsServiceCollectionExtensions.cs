using GrainChat.Grains.Robots;
using GrainChat.Grains.Storage;
using GrainChat.Grains.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainChat.Grains;

public static class ChatGrainsServiceCollectionExtensions
{
    /// <summary>The services the chat grains need: the message log, the directories, their schema, presence options.</summary>
    public static IServiceCollection AddChatGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(ChatSchema.Migration);
        services.TryAddSingleton<MessageLog>();
        services.TryAddSingleton<ChatDirectory>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<PresenceOptions>().Bind(configuration.GetSection(PresenceOptions.SectionName));
        services.AddSingleton(LobbyDirectory.Migration);
        services.TryAddSingleton<LobbyDirectory>();
        services.AddOptions<RobotOptions>().Bind(configuration.GetSection(RobotOptions.SectionName));
        services.AddHttpClient(RobotOptions.HttpClientName);
        return services;
    }
}
