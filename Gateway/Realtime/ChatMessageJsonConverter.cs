using System.Text.Json;
using System.Text.Json.Serialization;
using GrainChat.Chat;

namespace GrainChat.Gateway.Realtime;

/// <summary>
/// Writes a <see cref="ChatMessage"/> for the hub exactly as System.Text.Json's reflection-based serializer writes it
/// with the hub's options (camelCase names in declaration order, nulls written, the protocol's own escaping, which the
/// writer applies), but straight onto the writer. The reflection-based path allocates a stack of frames for every
/// message it writes (the message's lists nest), and each send writes its message twice — the sender's answer and the
/// room's event — which made that stack a tenth of all the bytes the server allocated per send.
/// Clients never send a whole message, so reading one is not supported.
/// </summary>
internal sealed class ChatMessageJsonConverter : JsonConverter<ChatMessage>
{
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText RoomId = JsonEncodedText.Encode("roomId");
    private static readonly JsonEncodedText Sender = JsonEncodedText.Encode("sender");
    private static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText ClientMessageId = JsonEncodedText.Encode("clientMessageId");
    private static readonly JsonEncodedText ReplyTo = JsonEncodedText.Encode("replyTo");
    private static readonly JsonEncodedText EditedAt = JsonEncodedText.Encode("editedAt");
    private static readonly JsonEncodedText Deleted = JsonEncodedText.Encode("deleted");
    private static readonly JsonEncodedText Reactions = JsonEncodedText.Encode("reactions");
    private static readonly JsonEncodedText Mentions = JsonEncodedText.Encode("mentions");
    private static readonly JsonEncodedText Revision = JsonEncodedText.Encode("revision");
    private static readonly JsonEncodedText Emoji = JsonEncodedText.Encode("emoji");
    private static readonly JsonEncodedText Count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText Users = JsonEncodedText.Encode("users");

    public override ChatMessage Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("The hub writes chat messages; it does not read them.");

    public override void Write(Utf8JsonWriter writer, ChatMessage value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber(Id, value.Id);
        writer.WriteString(RoomId, value.RoomId);
        writer.WriteString(Sender, value.Sender);
        writer.WriteString(Text, value.Text);
        writer.WriteString(Timestamp, value.Timestamp);
        writer.WriteString(ClientMessageId, value.ClientMessageId);
        WriteNumberOrNull(writer, ReplyTo, value.ReplyTo);
        if (value.EditedAt is { } editedAt)
        {
            writer.WriteString(EditedAt, editedAt);
        }
        else
        {
            writer.WriteNull(EditedAt);
        }

        writer.WriteBoolean(Deleted, value.Deleted);
        writer.WriteStartArray(Reactions);
        foreach (var reaction in value.Reactions)
        {
            writer.WriteStartObject();
            writer.WriteString(Emoji, reaction.Emoji);
            writer.WriteNumber(Count, reaction.Count);
            WriteStrings(writer, Users, reaction.Users);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteStrings(writer, Mentions, value.Mentions);
        writer.WriteNumber(Revision, value.Revision);
        writer.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, JsonEncodedText name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static void WriteStrings(Utf8JsonWriter writer, JsonEncodedText name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        for (var i = 0; i < values.Count; i++)
        {
            writer.WriteStringValue(values[i]);
        }

        writer.WriteEndArray();
    }
}
