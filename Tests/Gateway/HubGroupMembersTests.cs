using GrainChat.Gateway.Realtime;

namespace GrainChat.Tests.Gateway;

/// <summary>The members a send to a hub group reaches, as connections join and leave it.</summary>
public sealed class HubGroupMembersTests
{
    private readonly object _groupLock = new();
    private readonly HubGroup _group = new();

    [Fact]
    public void A_member_who_joins_after_a_send_is_reached_by_the_next_one()
    {
        var first = Outbox();
        _group.Add("c1", first);
        Assert.Equal([first], _group.Members(_groupLock));

        var second = Outbox();
        _group.Add("c2", second);

        Assert.Equal(new HashSet<ConnectionOutbox> { first, second }, _group.Members(_groupLock).ToHashSet());
    }

    [Fact]
    public void A_member_who_leaves_after_a_send_is_not_reached_by_the_next_one()
    {
        var staying = Outbox();
        _group.Add("c1", staying);
        _group.Add("c2", Outbox());
        Assert.Equal(2, _group.Members(_groupLock).Length);

        Assert.True(_group.Remove("c2"));

        Assert.Equal([staying], _group.Members(_groupLock));
        Assert.False(_group.Remove("c2"));
        Assert.False(_group.IsEmpty);
    }

    [Fact]
    public void Sends_between_two_changes_share_one_list_of_members()
    {
        _group.Add("c1", Outbox());

        Assert.Same(_group.Members(_groupLock), _group.Members(_groupLock));
    }

    // The group only keeps outboxes; it never touches their connections.
    private static ConnectionOutbox Outbox() => new(null!, capacity: 1, onOverflow: _ => { });
}
