namespace FedActors.Engine.Tests;

public class RepliesSpec
{
    [Fact]
    public void Replies_must_complete_when_every_client_replied_or_failed()
    {
        var replies = Replies<int>.Expecting(["b", "a", "c"]);
        Assert.False(replies.IsComplete);

        replies = replies.WithResult("c", 3).WithFailure("a", "boom").WithResult("b", 2);

        Assert.True(replies.IsComplete);
        Assert.Equal(["b", "c"], replies.Received.Keys);
        Assert.Equal("boom", replies.Failed["a"]);
        Assert.Equal(0, replies.Stale);
        Assert.Equal(0, replies.Duplicates);
    }

    [Fact]
    public void Replies_must_count_repeats_as_duplicates_and_unknown_or_late_replies_as_stale()
    {
        var replies = Replies<int>.Expecting(["a", "b"])
            .WithResult("a", 1)
            .WithResult("a", 99)        // repeat: duplicate, first answer kept
            .WithFailure("a", "again")  // repeat: duplicate
            .WithResult("zed", 5)       // not a participant: stale
            .WithPendingFailed("deadline")
            .WithResult("b", 2)         // after the deadline: stale
            .WithStale();

        Assert.Equal(1, replies.Received["a"]);
        Assert.Equal("deadline", replies.Failed["b"]);
        Assert.False(replies.Received.ContainsKey("b"));
        Assert.Equal(2, replies.Duplicates);
        Assert.Equal(3, replies.Stale);
    }

    [Fact]
    public void Replies_must_leave_the_previous_value_unchanged()
    {
        var before = Replies<int>.Expecting(["a"]);
        var after = before.WithResult("a", 1);

        Assert.True(before.IsPending("a"));
        Assert.Empty(before.Received);
        Assert.False(after.IsPending("a"));
    }

    [Fact]
    public void Replies_with_no_participants_must_be_complete()
    {
        Assert.True(Replies<int>.Expecting([]).IsComplete);
    }
}
