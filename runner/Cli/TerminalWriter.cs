using System.Text;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Runner.Cli;

/// <summary>
/// A writer that escapes control characters on their way to a terminal or a CI log (<see cref="TerminalText"/>),
/// keeping only line feeds and tabs: whatever a command echoes from an input file (a rule name, a path, a YAML
/// value) cannot retitle the terminal or recolour the log. Not thread-safe, like the writer it wraps.
/// </summary>
internal sealed class TerminalWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // TextWriter.NewLine's setter accepts null.
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value)
    {
        if (value is '\n' or '\t' || !TerminalText.NeedsEscape(value))
        {
            inner.Write(value);
        }
        else
        {
            inner.Write(Escaped(value));
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var b = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '\n' or '\t')
            {
                b.Append(c);
            }
            else
            {
                TerminalText.Append(b, c);
            }
        }

        inner.Write(b.ToString());
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();

    private static string Escaped(char c)
    {
        var b = new StringBuilder(6);
        TerminalText.Append(b, c);
        return b.ToString();
    }
}
