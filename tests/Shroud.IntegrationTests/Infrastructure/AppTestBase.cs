namespace Shroud.IntegrationTests.Infrastructure;

/// <summary>A test class with a host and tables of its own, one app, and an API key for it with the given permissions.</summary>
public abstract class AppTestBase(AzuriteFixture azurite, string appId, params string[] permissions) : IAsyncLifetime
{
    protected AzuriteFixture Azurite { get; } = azurite;

    protected ShroudFactory Factory { get; } = new(azurite);

    protected ShroudClient Client { get; private set; } = null!;

    protected string Key { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Client = new ShroudClient(Factory.CreateClient());
        Key = await Client.CreateAppWithKeyAsync(appId, permissions);
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}
