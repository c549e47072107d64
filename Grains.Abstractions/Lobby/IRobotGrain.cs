using GrainChat.Chat;
using GrainChat.Runtime;

namespace GrainChat.Lobby;

/// <summary>The robot player of one session room (key: the room id). It answers human messages, one at a time.</summary>
public interface IRobotGrain : IGrainWithStringKey
{
    /// <summary>A human said something in the room; the robot answers by posting to the room.</summary>
    Task HearAsync(string robot, ChatMessage message);
}
