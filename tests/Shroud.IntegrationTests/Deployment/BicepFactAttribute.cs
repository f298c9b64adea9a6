namespace Shroud.IntegrationTests.Deployment;

/// <summary>A test that needs the Bicep CLI; skipped, saying why, on a machine without one.</summary>
public sealed class BicepFactAttribute : FactAttribute
{
    public BicepFactAttribute()
    {
        if (BicepCli.Executable is null)
        {
            Skip = BicepCli.SkipReason;
        }
    }
}
