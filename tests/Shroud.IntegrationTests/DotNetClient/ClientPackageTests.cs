using System.Xml.Linq;
using Shroud.IntegrationTests.Deployment;

namespace Shroud.IntegrationTests.DotNetClient;

/// <summary>Shroud.Client is what customers install: it stands alone.</summary>
public sealed class ClientPackageTests
{
    [Fact]
    public void The_client_references_no_other_assembly_or_project_of_this_repository()
    {
        var references = typeof(Shroud.Client.ShroudClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Microsoft.Extensions.Http.Resilience", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Shroud", StringComparison.Ordinal));

        var project = XDocument.Parse(RepositoryFiles.Read("src/Shroud.Client/Shroud.Client.csproj"));
        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.Equal("true", project.Descendants("IsPackable").Single().Value);
        Assert.Equal("Shroud.Client", project.Descendants("PackageId").Single().Value);
    }
}
