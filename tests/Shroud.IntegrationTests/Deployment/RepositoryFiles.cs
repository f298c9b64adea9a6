namespace Shroud.IntegrationTests.Deployment;

/// <summary>The checked-in deployment files, found from the test's output directory.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(Path(relative));

    /// <summary>Every file under <paramref name="folder"/> with the extension, build output excluded.</summary>
    public static IReadOnlyList<string> Under(string folder, string pattern) =>
        Directory.EnumerateFiles(Path(folder), pattern, SearchOption.AllDirectories)
            .Where(f => !f.Split(System.IO.Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No Functions.sln above " + AppContext.BaseDirectory);
    }
}
