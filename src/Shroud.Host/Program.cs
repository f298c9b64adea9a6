using Shroud.Api;
using Shroud.Host;

var builder = WebApplication.CreateBuilder(args);
builder.AddShroudHost();

var app = builder.Build();
app.UseShroudApi();
app.MapShroudApi();
return await app.RunShroudHostAsync();

/// <summary>The local host's entry point, visible to the integration tests.</summary>
public partial class Program;
