using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;

namespace GrainChat.Tests.Infrastructure;

/// <summary>A hub connection's context without a connection, for the Gateway's pieces tested on their own.</summary>
internal sealed class FakeCallerContext(string user) : HubCallerContext
{
    public bool Aborted { get; private set; }

    public override string ConnectionId { get; } = Guid.NewGuid().ToString("N");

    public override string? UserIdentifier => user;

    public override ClaimsPrincipal? User => null;

    public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override CancellationToken ConnectionAborted => CancellationToken.None;

    public override void Abort() => Aborted = true;
}
