using System.Text;

namespace GrainChat.Gateway.Errors;

/// <summary>
/// Text from a request (a path, a message naming what the client sent) as it may appear in a log line: control
/// characters escaped, so that a <c>%0A</c> cannot start a forged line in a plain-text log.
/// </summary>
internal static class LogText
{
    private const int MaxLength = 500;

    public static string? Escape(string? text)
    {
        if (text is null || (!text.Any(char.IsControl) && text.Length <= MaxLength))
        {
            return text;
        }

        var escaped = new StringBuilder(Math.Min(text.Length, MaxLength) + 16);
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, MaxLength)))
        {
            if (char.IsControl(c))
            {
                escaped.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return text.Length > MaxLength ? escaped.Append('…').ToString() : escaped.ToString();
    }
}
