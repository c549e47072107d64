using GrainChat.Gateway.Accounts;
using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Errors;
using GrainChat.Gateway.Hosting;
using GrainChat.Gateway.Operators;
using GrainChat.Silo.Cluster;

if (args is [CreateAdminCommand.Name, ..])
{
    return await CreateAdminCommand.RunAsync(args, Console.In, Console.Out);
}

// Settings are read once: the SQLite file lives under the content root, and watching appsettings.json for changes
// put a file watcher on every folder below it, woken by each commit (measured: ~3 % of the CPU under load).
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);

try
{
    builder.AddGrainChatSilo();
}
catch (ClusterConfigurationException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}

builder.AddGrainChatAuth();
builder.AddChatFeatures();
builder.Services.AddOperators();
builder.Services.AddGrainChatErrors();
builder.Services.AddGrainChatHealthChecks();
builder.Services.AddGrainChatForwardedHeaders(builder.Configuration);
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapGrainChatHealthChecks();
app.MapChatFeatures();
app.MapOperators();

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
