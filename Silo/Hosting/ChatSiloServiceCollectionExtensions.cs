using GrainChat.Grains;
using GrainChat.Runtime;
using GrainChat.Silo.Messaging;
using GrainChat.Silo.Persistence.Chat;
using GrainChat.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainChat.Silo.Hosting;

public static class ChatSiloServiceCollectionExtensions
{
    /// <summary>
    /// Hosts the chat's grains (the Grains project) on this silo, with the SQL implementations of the storage
    /// interfaces they and the Gateway use: message log and history, room and user directories, lobby index.
    /// Call after <see cref="SiloServiceCollectionExtensions.AddGrainChatSilo"/>.
    /// </summary>
    public static IServiceCollection AddChatGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGrainClasses([.. GrainTypeRegistry.FindGrainClasses(GrainsAssembly.Assembly)]);
        services.AddChatGrainServices(configuration);

        services.AddSingleton(ChatSchema.Chat);
        services.AddSingleton(ChatSchema.Lobby);
        services.AddSingleton(ChatSchema.MessageChanges);
        services.AddSingleton(ChatSchema.Search);
        services.AddSingleton(ChatSchema.SearchIndexedAfterCommit);
        services.AddSingleton(ChatSchema.ClientIdIndexInTimeOrder);
        services.AddSingleton(ChatSchema.SearchIds);
        services.AddSingleton(ChatSchema.SearchIndexInItsOwnFile);
        services.TryAddSingleton<SqliteSearchIndexer>();
        services.TryAddSingleton<MessageLogMetrics>();
        services.TryAddSingleton<SqlMessageLog>();
        services.TryAddSingleton<IMessageLog>(sp => sp.GetRequiredService<SqlMessageLog>());
        services.TryAddSingleton<IMessageHistory>(sp => sp.GetRequiredService<SqlMessageLog>());
        services.TryAddSingleton<IRoomDirectory, SqlRoomDirectory>();
        services.TryAddSingleton<IUserDirectory, SqlUserDirectory>();
        services.TryAddSingleton<ILobbyIndex, SqlLobbyIndex>();
        services.TryAddSingleton<IMessageChanges, SqlMessageChanges>();
        services.TryAddSingleton<IReadMarkers, SqlReadMarkers>();
        services.TryAddSingleton<IMessageSearch, SqlMessageSearch>();
        services.TryAddSingleton<Streams.IStreamCatchUp<Chat.RoomEvent>, Cluster.Streams.RoomStreamCatchUp>();
        return services;
    }
}
