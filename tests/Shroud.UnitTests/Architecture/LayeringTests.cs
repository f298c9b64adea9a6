using System.Reflection;
using Shroud.Api;
using Shroud.Core.Records;
using Shroud.Storage;

namespace Shroud.UnitTests.Architecture;

/// <summary>Dependencies point one way: the storage SDKs are referenced by the storage layer alone.</summary>
public sealed class LayeringTests
{
    private static readonly string[] StorageSdks = ["Azure.Data.Tables", "Azure.Storage.Blobs", "Azure.Storage.Common", "Azure.Identity"];

    [Fact]
    public void Core_references_neither_the_storage_layer_nor_a_storage_sdk_nor_http_handling()
    {
        var references = Names(typeof(Vault).Assembly);

        Assert.DoesNotContain("Shroud.Storage", references);
        Assert.DoesNotContain("Shroud.Api", references);
        Assert.Empty(references.Intersect(StorageSdks));
    }

    [Fact]
    public void Http_handling_reaches_storage_only_through_the_storage_layer()
    {
        Assert.Empty(Names(typeof(HealthApi).Assembly).Intersect(StorageSdks));
        Assert.Contains("Azure.Data.Tables", Names(typeof(StorageAccount).Assembly));
        Assert.Contains("Azure.Storage.Blobs", Names(typeof(StorageAccount).Assembly));
    }

    private static HashSet<string> Names(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet(StringComparer.Ordinal);
}
