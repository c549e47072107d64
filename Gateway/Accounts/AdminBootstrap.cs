using GrainChat.Chat;
using GrainChat.Gateway.Auth;
using GrainChat.Runtime;
using Microsoft.Extensions.Options;

namespace GrainChat.Gateway.Accounts;

/// <summary>
/// Admins are created by an operator, never by registering a name: <c>GrainChat:Admins</c> names them, public
/// registration of those names is refused, and their accounts come from <c>GrainChat:Bootstrap:AdminPassword</c>
/// (at startup) or <c>create-admin</c> (by hand).
/// </summary>
internal sealed partial class AdminBootstrap(IGrainFactory grains, IOptionsMonitor<AdminOptions> admins, IOptions<BootstrapOptions> bootstrap, ILogger<AdminBootstrap> logger)
    : IHostedService
{
    public bool IsReserved(string username) => admins.CurrentValue.Admins.Contains(username, ChatKeys.UsernameComparer);

    /// <summary>Creates the admin's account; false when it exists already.</summary>
    public async Task<bool> CreateAsync(string username, string password)
    {
        try
        {
            await grains.GetUserGrain(username).RegisterAsync(username, password);
            return true;
        }
        catch (ChatException exception) when (exception.Code == ChatErrorCode.Conflict)
        {
            return false;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bootstrap.Value.AdminPassword))
        {
            return;
        }

        foreach (var admin in admins.CurrentValue.Admins)
        {
            if (await CreateAsync(admin, bootstrap.Value.AdminPassword))
            {
                LogCreated(logger, admin);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin account {Username} created from GrainChat:Bootstrap:AdminPassword")]
    private static partial void LogCreated(ILogger logger, string username);
}

/// <summary>Bound from <c>GrainChat:Bootstrap</c>.</summary>
internal sealed class BootstrapOptions
{
    public const string SectionName = "GrainChat:Bootstrap";

    /// <summary>When set, each name in <c>GrainChat:Admins</c> without an account is created at startup with this password.</summary>
    public string? AdminPassword { get; set; }
}
