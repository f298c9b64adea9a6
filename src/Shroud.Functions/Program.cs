using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using Shroud.Api;
using Shroud.Functions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<CachePolicyMiddleware>();
builder.UseMiddleware<ProblemMiddleware>();
builder.Services.AddShroudApi();
builder.Services.AddShroudTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
