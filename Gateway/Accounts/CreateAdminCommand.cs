using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Accounts;

/// <summary>
/// <c>dotnet run --project Gateway -- create-admin NAME</c>: creates an admin account with the password read
/// from standard input, on the configured storage, without starting the web server. NAME must be listed in
/// <c>GrainChat:Admins</c> to hold the admin role.
/// </summary>
internal static class CreateAdminCommand
{
    public const string Name = "create-admin";

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        if (args is not [Name, var username, ..])
        {
            await output.WriteLineAsync($"Usage: {Name} NAME   (the password is read from standard input)");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(args[2..]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddGrainChatSilo();
        builder.Services.AddOptions<AdminOptions>().Bind(builder.Configuration.GetSection("GrainChat"));
        using var host = builder.Build();
        if (!host.Services.GetRequiredService<IOptions<AdminOptions>>().Value.Admins.Contains(username, ChatKeys.UsernameComparer))
        {
            await output.WriteLineAsync($"'{username}' is not listed in GrainChat:Admins; add it there first.");
            return 1;
        }

        var password = (await input.ReadLineAsync())?.TrimEnd('\r') ?? "";
        await host.StartAsync();
        try
        {
            await host.Services.GetRequiredService<Runtime.IGrainFactory>().GetUserGrain(username).RegisterAsync(username, password);
            await output.WriteLineAsync($"Admin account '{username}' created.");
            return 0;
        }
        catch (ChatException exception)
        {
            await output.WriteLineAsync(exception.Message);
            return 1;
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
