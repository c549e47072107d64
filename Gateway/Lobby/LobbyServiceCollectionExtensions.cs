namespace GrainChat.Gateway.Lobby;

internal static class LobbyServiceCollectionExtensions
{
    public static IServiceCollection AddLobby(this IServiceCollection services)
    {
        services.AddSingleton<LobbyService>();
        services.AddProblemDetails(options =>
        {
            var earlier = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                earlier?.Invoke(context);
                LobbyProblemShape.Apply(context);
            };
        });
        return services;
    }
}
