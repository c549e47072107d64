using GrainChat.Gateway.Endpoints;
using GrainChat.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddGrainChatSilo();
builder.Services.AddGrainChatHealthChecks();
builder.Services.AddProblemDetails();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapGrainChatHealthChecks();
app.MapApiRoot();

app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
