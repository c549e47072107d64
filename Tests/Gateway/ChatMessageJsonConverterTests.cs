using System.Text.Json;
using GrainChat.Chat;
using GrainChat.Gateway.Realtime;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Tests.Gateway;

/// <summary>The hub's hand-written message writer produces the bytes the reflection-based serializer would.</summary>
public sealed class ChatMessageJsonConverterTests
{
    private static readonly DateTimeOffset Sent = new(2026, 12, 5, 20, 47, 53, 675, TimeSpan.Zero);

    public static TheoryData<string, ChatMessage> Messages() => new()
    {
        { "plain", new ChatMessage(1, "b306ab80f3945642", "ann", "hello", Sent, "cid-1") },
        { "no client id", new ChatMessage(2, "r", "ann", "hello", Sent, null) },
        { "reply, edit, mentions", new ChatMessage(3, "r", "ann", "@bob look", Sent.AddTicks(1234567), "c") { ReplyTo = 1, EditedAt = Sent.AddMinutes(2), Mentions = ["bob", "cy"], Revision = 7 } },
        { "deleted", new ChatMessage(4, "r", "ann", "", Sent, "c") { Deleted = true, Revision = 9 } },
        { "reactions", new ChatMessage(5, "r", "ann", "hi", Sent, "c") { Reactions = [new ReactionCount("👍", 2, ["ann", "bob"]), new ReactionCount("🎉", 1, ["cy"])] } },
        { "characters the protocol escapes or not", new ChatMessage(6, "r", "zoë", "héllo <b>\"quoted\"</b> & \\ \n\t\u0001 日本 😀", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), "id\"<>") },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_is_written_as_the_reflection_based_serializer_writes_it(string shape, ChatMessage message)
    {
        var reflectionBased = new JsonHubProtocolOptions().PayloadSerializerOptions;
        var handWritten = new JsonSerializerOptions(reflectionBased);
        handWritten.Converters.Add(new ChatMessageJsonConverter());

        var expected = JsonSerializer.Serialize<object>(message, reflectionBased);
        var actual = JsonSerializer.Serialize<object>(message, handWritten);

        Assert.True(string.Equals(expected, actual, StringComparison.Ordinal), $"{shape}:\n{expected}\n{actual}");
    }

    [Fact]
    public void Messages_inside_other_payloads_are_written_the_same_way()
    {
        var reflectionBased = new JsonHubProtocolOptions().PayloadSerializerOptions;
        var handWritten = new JsonSerializerOptions(reflectionBased);
        handWritten.Converters.Add(new ChatMessageJsonConverter());
        IReadOnlyList<ChatMessage> page = [new ChatMessage(1, "r", "ann", "a", Sent, null), new ChatMessage(2, "r", "bob", "b", Sent, "c") { Mentions = ["ann"] }];
        var result = new PostResult(page[1], Created: true);

        Assert.Equal(JsonSerializer.Serialize(page, reflectionBased), JsonSerializer.Serialize(page, handWritten));
        Assert.Equal(JsonSerializer.Serialize(result, reflectionBased), JsonSerializer.Serialize(result, handWritten));
    }
}
