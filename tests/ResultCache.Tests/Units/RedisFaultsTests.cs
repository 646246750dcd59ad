using StackExchange.Redis;

namespace ResultCache.Tests.Units;

/// <summary>Which errors Redis answers with close a gate (it cannot serve keys now) and which are a refusal of one command.</summary>
public sealed class RedisFaultsTests
{
    [Theory]
    [InlineData("CLUSTERDOWN The cluster is down", true)]
    [InlineData("CLUSTERDOWN Hash slot not served", true)]
    [InlineData("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true)]
    [InlineData("LOADING Redis is loading the dataset in memory", true)]
    [InlineData("READONLY You can't write against a read only replica.", true)]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.", false)]
    [InlineData("NOPERM this user has no permissions to run the 'get' command", false)]
    [InlineData("ERR syntax error", false)]
    public void Only_errors_of_a_server_that_cannot_serve_keys_now_close_a_gate(string reply, bool unavailable)
    {
        var answer = new RedisServerException(reply);

        Assert.Equal(unavailable, RedisFaults.IsUnavailable(answer));
        Assert.False(RedisFaults.IsConnectionFault(answer)); // Redis answered: the link itself is fine
    }
}
