using GrainChat.Chat;
using GrainChat.Runtime;

namespace GrainChat.Lobby;

/// <summary>The robot player of one session room (key: the room id). It answers human messages, one at a time.</summary>
public interface IRobotGrain : IGrainWithStringKey
{
    /// <summary>
    /// A human said something in the room; the robot answers by posting to the room. One-way: the room tells
    /// its robot from a turn and must not wait for the answer, which is itself a post to the room.
    /// </summary>
    [OneWay]
    Task HearAsync(string robot, ChatMessage message);
}
