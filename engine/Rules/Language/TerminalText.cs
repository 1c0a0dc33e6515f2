using System.Text;

namespace RulesSync.Engine.Rules.Language;

/// <summary>
/// Makes text from input files safe to echo to a terminal or a CI log: control characters (C0, DEL, C1) and
/// bidirectional overrides are shown as escapes (<c>\e</c>, <c>\0</c>, <c>\n</c>, <c>\x07</c>, <c>\u202E</c>), so a
/// rule name cannot retitle the terminal, recolour a log or hide text. Backslashes are left alone, so escaping
/// twice changes nothing. Thread-safe.
/// </summary>
public static class TerminalText
{
    /// <summary>Whether <paramref name="c"/> is shown escaped.</summary>
    public static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    /// <summary><paramref name="text"/> with every control character escaped (newlines too: the result is one line).</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var clean = 0;
        while (clean < text.Length && !NeedsEscape(text[clean]))
        {
            clean++;
        }

        if (clean == text.Length)
        {
            return text;
        }

        var b = new StringBuilder(text.Length + 8).Append(text, 0, clean);
        foreach (var c in text.AsSpan(clean))
        {
            Append(b, c);
        }

        return b.ToString();
    }

    /// <summary>Appends <paramref name="c"/> to <paramref name="b"/>, escaped when it needs to be.</summary>
    public static void Append(StringBuilder b, char c)
    {
        ArgumentNullException.ThrowIfNull(b);
        if (!NeedsEscape(c))
        {
            b.Append(c);
            return;
        }

        _ = c switch
        {
            '\x1b' => b.Append("\\e"),
            '\0' => b.Append("\\0"),
            '\n' => b.Append("\\n"),
            '\r' => b.Append("\\r"),
            '\t' => b.Append("\\t"),
            '\a' => b.Append("\\a"),
            '\b' => b.Append("\\b"),
            < '\u0100' => b.Append("\\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture)),
            _ => b.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)),
        };
    }
}
