namespace RulesSync.Runner.Tests;

/// <summary>A temporary folder for files a test writes; deleted on dispose.</summary>
internal sealed class TempFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("rulesync-tests-").FullName;

    public string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
