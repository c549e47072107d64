using System.Globalization;
using System.Text;

namespace GrainChat.Chat;

/// <summary>
/// A search, checked: words and "quoted phrases" (all must match), at most <see cref="MaxLength"/> characters,
/// quotes and parentheses balanced; other punctuation separates words. Paged newest first by <see cref="SearchCursor"/>.
/// </summary>
public sealed record SearchQuery(IReadOnlyList<string> Terms, SearchCursor? Before, int Limit)
{
    public const int MaxLength = 200;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;

    /// <summary>Each term is a word or a phrase (words separated by single spaces), lower-cased.</summary>
    public static SearchQuery Parse(string? text, string? before, int? limit)
    {
        var q = text?.Trim() ?? "";
        if (q.Length == 0)
        {
            throw ChatException.Invalid("Search for something: q is empty", "q");
        }

        if (q.Length > MaxLength)
        {
            throw ChatException.Invalid($"A search is at most {MaxLength} characters (this one has {q.Length})", "q");
        }

        if (!ChatLimits.IsValidText(q) || q.Count(c => c == '"') % 2 != 0 || !ParenthesesBalance(q))
        {
            throw ChatException.Invalid("The search has an unclosed quote or parenthesis, or characters that cannot be searched", "q");
        }

        var size = limit ?? DefaultLimit;
        if (size is < 1 or > MaxLimit)
        {
            throw ChatException.Invalid($"limit is 1–{MaxLimit}", "limit");
        }

        var terms = new List<string>();
        var parts = q.Split('"');
        for (var i = 0; i < parts.Length; i++)
        {
            var words = Words(parts[i]);
            if (i % 2 == 1 && words.Count > 0)
            {
                terms.Add(string.Join(' ', words)); // inside quotes: one phrase
            }
            else
            {
                terms.AddRange(words);
            }
        }

        if (terms.Count == 0)
        {
            throw ChatException.Invalid("The search has no words to look for", "q");
        }

        return new SearchQuery(terms, before is null ? null : SearchCursor.Parse(before), size);
    }

    private static bool ParenthesesBalance(string q)
    {
        var depth = 0;
        foreach (var c in q)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
            {
                return false;
            }
        }

        return depth == 0;
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                word.Append(rune.ToString().ToLowerInvariant());
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}

/// <summary>Where a page of results ends: results are ordered by (time, room, id), newest first.</summary>
public sealed record SearchCursor(long CreatedAtMilliseconds, string RoomId, long Id)
{
    public override string ToString() => $"{CreatedAtMilliseconds.ToString(CultureInfo.InvariantCulture)}.{Id.ToString(CultureInfo.InvariantCulture)}.{RoomId}";

    public static SearchCursor Parse(string text)
    {
        var parts = text.Split('.', 3);
        return parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && parts[2].Length is > 0 and <= 200
            ? new SearchCursor(at, parts[2], id)
            : throw ChatException.Invalid("before is the 'next' value of a previous page of results", "before");
    }
}
