using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Dashboard;
using GrainChat.Gateway.Endpoints;
using GrainChat.Gateway.Errors;
using GrainChat.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddGrainChatSilo();
builder.AddGrainChatAuth();
builder.AddGrainChatChat();
builder.Services.AddGrainChatOperators();
builder.Services.AddGrainChatErrors();
builder.Services.AddGrainChatHealthChecks();
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi();
app.MapGrainChatHealthChecks();
app.MapApiRoot();
app.MapGrainChatChat();
app.MapGrainChatOperators();

app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
