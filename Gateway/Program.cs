using GrainChat.Gateway.Auth;
using GrainChat.Gateway.Errors;
using GrainChat.Gateway.Hosting;
using GrainChat.Gateway.Operators;

var builder = WebApplication.CreateBuilder(args);

builder.AddGrainChatSilo();
builder.AddGrainChatAuth();
builder.AddChatFeatures();
builder.Services.AddOperators();
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
app.MapChatFeatures();
app.MapOperators();

app.Run();

/// <summary>Entry point, visible to <c>WebApplicationFactory</c> in the tests.</summary>
public partial class Program;
