using GrainChat.Chat;
using GrainChat.Grains.Users;
using GrainChat.Storage;
using GrainChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrainChat.Tests.Grains;

/// <summary>The user grain's rules: the account, its login sessions, its room index.</summary>
public sealed class UserGrainTests : IAsyncLifetime
{
    private TestSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await ChatSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Registering_lists_the_user_and_after_the_right_password_a_session_opens_and_is_active()
    {
        await User("Alice").RegisterAsync("Alice", "password1");

        var profile = await User("alice").VerifyPasswordAsync("password1");
        var session = await User("alice").OpenSessionAsync();

        Assert.Equal("Alice", profile!.Username);
        Assert.Equal("Alice", session.Username);
        Assert.True(await User("ALICE").IsSessionActiveAsync(session.SessionId));
        Assert.Contains(await _silo.Services.GetRequiredService<IUserDirectory>().ListAsync(null, 1000), u => u.Username == "Alice");
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_empty_answer()
    {
        await User("bob").RegisterAsync("bob", "password1");

        Assert.Null(await User("bob").VerifyPasswordAsync("password2"));
        Assert.Null(await User("nobody").VerifyPasswordAsync("password1"));
    }

    [Fact]
    public async Task A_name_taken_in_another_letter_case_cannot_be_registered_again()
    {
        await User("carol").RegisterAsync("carol", "password1");

        var taken = await Assert.ThrowsAsync<ChatException>(() => User("CAROL").RegisterAsync("CAROL", "password2"));

        Assert.Equal(ChatErrorCode.Conflict, taken.Code);
        Assert.NotNull(await User("carol").VerifyPasswordAsync("password1"));
    }

    [Theory]
    [InlineData("ab", "password1", "username")]
    [InlineData("has space", "password1", "username")]
    [InlineData("dave", "short", "password")]
    public async Task Registration_with_a_bad_name_or_password_is_refused(string username, string password, string field)
    {
        var refused = await Assert.ThrowsAsync<ChatException>(() => User(username).RegisterAsync(username, password));

        Assert.Equal(ChatErrorCode.Invalid, refused.Code);
        Assert.Equal(field, refused.Field);
    }

    [Fact]
    public async Task Logout_ends_only_that_session_and_announces_it_on_the_users_stream()
    {
        await User("erin").RegisterAsync("erin", "password1");
        var (phone, laptop) = (await User("erin").OpenSessionAsync(), await User("erin").OpenSessionAsync());
        var events = await _silo.WatchUserAsync("erin");

        await User("erin").LogoutAsync(phone.SessionId);

        Assert.False(await User("erin").IsSessionActiveAsync(phone.SessionId));
        Assert.True(await User("erin").IsSessionActiveAsync(laptop.SessionId));
        await Eventually.TrueAsync(() => events.OfType<SessionRevoked>().Any(e => e.SessionId == phone.SessionId), ChatSilo.WaitLimit);
    }

    [Fact]
    public async Task Opening_one_session_more_than_the_limit_ends_the_oldest()
    {
        await User("frank").RegisterAsync("frank", "password1");
        var sessions = new List<UserSession>();
        for (var i = 0; i <= UserGrain.MaxSessionsPerUser; i++)
        {
            sessions.Add(await User("frank").OpenSessionAsync());
        }

        Assert.False(await User("frank").IsSessionActiveAsync(sessions[0].SessionId));
        Assert.True(await User("frank").IsSessionActiveAsync(sessions[^1].SessionId));
    }

    [Fact]
    public async Task Room_membership_changes_reach_every_connection_through_the_users_stream()
    {
        await User("gina").RegisterAsync("gina", "password1");
        var events = await _silo.WatchUserAsync("gina");

        await User("gina").AddRoomAsync("r1");
        await User("gina").AddRoomAsync("r1");
        await User("gina").RemoveRoomAsync("r1");

        Assert.Empty((await User("gina").GetProfileAsync())!.Rooms);
        await Eventually.TrueAsync(() => events.OfType<MembershipChanged>().Count() == 3, ChatSilo.WaitLimit);
        Assert.Equal([true, true, false], events.OfType<MembershipChanged>().Select(e => e.IsMember));
    }

    private IUserGrain User(string username) => _silo.GrainFactory.GetUserGrain(username);
}
