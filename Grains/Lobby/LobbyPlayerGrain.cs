using GrainChat.Chat;
using GrainChat.Lobby;
using GrainChat.Runtime;
using GrainChat.Storage;

namespace GrainChat.Grains.Lobby;

/// <summary>
/// A user's seat in the lobby (key: the user key): the one session they are in, if any, and their state there.
/// The lobby claims it before taking a seat in a session and releases it when the seat is refused, so nobody
/// is recorded in a session that does not list them, and nobody is in two.
/// </summary>
public sealed class LobbyPlayerGrain([PersistentState("player")] IPersistentState<LobbyPlayerState> player, ILobbyIndex index) : Grain, ILobbyPlayerGrain
{
    private bool _indexConsulted;

    public async Task<LobbyStatus> GetStatusAsync()
    {
        await AdoptSeatFromIndexAsync();
        return new LobbyStatus(player.State.State, player.State.Session);
    }

    public async Task ReserveSessionAsync(string sessionKey)
    {
        await AdoptSeatFromIndexAsync();
        if (player.State.Session is { } current && !string.Equals(current, sessionKey, StringComparison.Ordinal))
        {
            throw new ChatException(ChatErrorCode.AlreadyInSession, $"You are already in session '{current}'; leave it first");
        }

        if (player.State.Session is null)
        {
            player.State = new LobbyPlayerState { Session = sessionKey, State = PlayerState.Waiting };
            await player.WriteOverAsync();
        }
    }

    public async Task SetSessionStateAsync(string sessionKey, PlayerState state)
    {
        await AdoptSeatFromIndexAsync();
        if (string.Equals(player.State.Session, sessionKey, StringComparison.Ordinal) && player.State.State != state)
        {
            player.State = player.State with { State = state };
            await player.WriteOverAsync();
        }
    }

    public async Task ReleaseSessionAsync(string sessionKey)
    {
        await AdoptSeatFromIndexAsync();
        if (string.Equals(player.State.Session, sessionKey, StringComparison.Ordinal))
        {
            player.State = new LobbyPlayerState();
            await player.WriteOverAsync();
        }
    }

    /// <summary>
    /// With no record of its own yet (a user who never played, or a seat taken before seats had a grain of their
    /// own), the seat is what the lobby index says: the session that lists the user, if one has not ended.
    /// </summary>
    private async Task AdoptSeatFromIndexAsync()
    {
        if (player.RecordExists || _indexConsulted)
        {
            return;
        }

        // Once per activation: from then on every change of this seat goes through this grain.
        _indexConsulted = true;
        if (await index.StatusOfAsync(GrainKey) is { Session: { } session } status)
        {
            player.State = new LobbyPlayerState { Session = session, State = status.State };
        }
    }
}

public sealed record LobbyPlayerState
{
    /// <summary>The key of the lobby session the user is in, if any (at most one).</summary>
    public string? Session { get; init; }

    public PlayerState State { get; init; }
}
