using System.Text;
using RulesSync.Engine.Rules.Language;

namespace RulesSync.Runner.Configuration;

/// <summary>
/// Reads every file and environment value the program takes as input under a cap on the bytes actually read: a
/// stream is read to at most cap + 1 bytes, so a device (<c>/dev/zero</c>), a pipe or a FIFO cannot make it grow
/// (a length check alone sees 0 for those). Text must be UTF-8; the first invalid byte is reported at its
/// line:col. Every problem is an <see cref="InputFileException"/> naming the file; a secret's content
/// never appears in a message.
/// </summary>
internal static class InputFile
{
    /// <summary>Rule files, change files and the runner's config are refused above this.</summary>
    public const int MaxTextBytes = 1024 * 1024;

    /// <summary>Secrets (keys, certificates) and environment values are refused above this.</summary>
    public const int MaxSecretBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads <paramref name="path"/> as UTF-8 text of at most <paramref name="maxBytes"/> bytes; <paramref name="what"/> names it in messages ("rule file").</summary>
    public static string ReadText(string path, string what, int maxBytes = MaxTextBytes) => Decode(path, ReadBytes(path, what, maxBytes));

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes of <paramref name="path"/>; more is refused.</summary>
    public static byte[] ReadBytes(string path, string what, int maxBytes)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw new InputFileException($"{Shown(path)}: error: is a directory, not a {what}");
            }

            if (!File.Exists(path))
            {
                throw new InputFileException($"{Shown(path)}: error: {what} not found");
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            return ReadBounded(stream, maxBytes) ?? throw new InputFileException(
                $"{Shown(path)}:1:1: error: {what} is larger than {maxBytes:N0} bytes (the limit); nothing was read past it");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputFileException($"{Shown(path)}: error: cannot read {what}: {TerminalText.Escape(e.Message)}");
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end, or returns null as soon as it holds more than <paramref name="maxBytes"/>.</summary>
    public static byte[]? ReadBounded(Stream stream, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return null;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
            }

            var read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
        }
    }

    /// <summary>Decodes strict UTF-8 (a leading BOM is dropped); invalid bytes are refused at their line:col.</summary>
    public static string Decode(string source, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var span = bytes.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[3..];
        }

        try
        {
            return StrictUtf8.GetString(span);
        }
        catch (DecoderFallbackException e)
        {
            var at = Math.Max(0, e.Index);
            // The index is into the bytes decoded; count lines and characters before it.
            var valid = Utf8Prefix(span, at);
            var line = 1 + valid.Count(c => c == '\n');
            var column = 1 + valid.Length - (valid.LastIndexOf('\n') + 1);
            var bad = e.BytesUnknown is { Length: > 0 } unknown ? Convert.ToHexString(unknown) : "?";
            throw new InputFileException($"{Shown(source)}:{line}:{column}: error: invalid UTF-8 (byte 0x{bad}); save the file as UTF-8");
        }
    }

    /// <summary>An environment value, refused (by name only, never its content) above <see cref="MaxSecretBytes"/> bytes.</summary>
    public static string? Environment(Func<string, string?> read, string name)
    {
        ArgumentNullException.ThrowIfNull(read);
        var value = read(name);
        if (value is not null && Encoding.UTF8.GetByteCount(value) > MaxSecretBytes)
        {
            throw new InputFileException($"error: environment variable {name} is larger than {MaxSecretBytes:N0} bytes (the limit)");
        }

        return value;
    }

    private static string Utf8Prefix(ReadOnlySpan<byte> bytes, int length)
    {
        var prefix = bytes[..Math.Min(length, bytes.Length)];
        return Encoding.UTF8.GetString(prefix);
    }

    private static string Shown(string path) => TerminalText.Escape(path);
}
