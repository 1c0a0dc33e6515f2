using RulesSync.Runner.Configuration;

namespace RulesSync.Runner.Tests.Configuration;

public class InputFileTests
{
    [Fact]
    public void ReadBounded_EndlessStream_ReadsAtMostTheCapPlusOne()
    {
        using var endless = new EndlessStream();

        var bytes = InputFile.ReadBounded(endless, 100_000);

        Assert.Null(bytes);
        Assert.Equal(100_001, endless.BytesRead);
    }

    [Fact]
    public void ReadBounded_StreamAtTheCap_IsReadWhole()
    {
        using var stream = new MemoryStream(new byte[100_000]);
        Assert.Equal(100_000, InputFile.ReadBounded(stream, 100_000)!.Length);
    }

    [Fact]
    public void ReadText_Device_IsRefusedAtTheCap()
    {
        var e = Assert.Throws<InputFileException>(() => InputFile.ReadText("/dev/zero", "rule file"));
        Assert.Equal("/dev/zero:1:1: error: rule file is larger than 1,048,576 bytes (the limit); nothing was read past it", e.Message);
    }

    [Fact]
    public void Decode_InvalidUtf8_NamesLineAndColumnOfTheFirstBadByte()
    {
        var e = Assert.Throws<InputFileException>(() => InputFile.Decode("r.yaml", [.. "ab\ncdé\nxy"u8.ToArray(), 0xFF, (byte)'z']));
        Assert.Equal("r.yaml:3:3: error: invalid UTF-8 (byte 0xFF); save the file as UTF-8", e.Message);
    }

    [Fact]
    public void Decode_Bom_IsDropped() => Assert.Equal("a: b", InputFile.Decode("r.yaml", [0xEF, 0xBB, 0xBF, .. "a: b"u8.ToArray()]));

    [Fact]
    public void Environment_OversizedValue_IsRefusedByNameOnly()
    {
        var e = Assert.Throws<InputFileException>(() => InputFile.Environment(_ => new string('s', InputFile.MaxSecretBytes + 1), "RULESYNC_X"));
        Assert.Contains("RULESYNC_X", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sss", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Bytes forever, counting how many were asked for.</summary>
    private sealed class EndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Hand out at most 4 KiB per call, as a pipe would.
            var n = Math.Min(count, 4096);
            Array.Fill(buffer, (byte)'y', offset, n);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
