using System.Globalization;
using System.Text;

namespace GrainChat.Chat;

/// <summary>What a message's text says beyond itself: the members it mentions, and whether a reaction is an emoji.</summary>
public static class MessageText
{
    /// <summary>The members named as <c>@username</c> (a whole name, case-insensitive), each once, as the room spells them.</summary>
    public static IReadOnlyList<string> MentionsIn(string text, IReadOnlyList<string> members)
    {
        // Every send comes here: most texts have no '@', and a big room's member list is not worth indexing for them.
        if (!text.Contains('@', StringComparison.Ordinal))
        {
            return [];
        }

        var found = new List<string>();
        for (var at = text.IndexOf('@', StringComparison.Ordinal); at >= 0; at = text.IndexOf('@', at + 1))
        {
            if (at > 0 && IsNameCharacter(text[at - 1]))
            {
                continue; // an e-mail address, not a mention
            }

            var end = at + 1;
            while (end < text.Length && IsNameCharacter(text[end]))
            {
                end++;
            }

            // A name may end a sentence: "thanks @bob." mentions bob.
            var name = text[(at + 1)..end].TrimEnd('.', '-');
            if (name.Length >= ChatLimits.UsernameMinLength
                && members.FirstOrDefault(m => ChatKeys.SameUser(m, name)) is { } member
                && !found.Contains(member, StringComparer.Ordinal))
            {
                found.Add(member);
            }
        }

        return found;
    }

    /// <summary>
    /// One emoji as a user would pick it: pictographs and symbols, optionally joined (ZWJ), with variation selectors,
    /// skin tones, keycaps, flag letters or tags; at most <see cref="ChatLimits.EmojiMaxLength"/> UTF-16 units.
    /// </summary>
    public static bool IsEmoji(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > ChatLimits.EmojiMaxLength || !value.IsNormalized())
        {
            return false;
        }

        var pictographs = 0;
        var previous = default(Rune);
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.OtherSymbol && rune.Value >= 0x2000)
            {
                pictographs++;
            }
            else if (rune.Value is 0x200D or 0xFE0F or 0xFE0E or (>= 0x1F3FB and <= 0x1F3FF) or (>= 0xE0020 and <= 0xE007F))
            {
                // joiner, variation selectors, skin tones, tag characters (subdivision flags)
            }
            else if (rune.Value == 0x20E3 && (Rune.IsDigit(previous) || previous.Value is '#' or '*' or 0xFE0F))
            {
                pictographs++; // keycap
            }
            else if (!(Rune.IsDigit(rune) || rune.Value is '#' or '*'))
            {
                return false;
            }

            previous = rune;
        }

        return pictographs > 0;
    }

    private static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
}
