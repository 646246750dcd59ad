using System.Text;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Security;

/// <summary>Keys are hashes: no argument value, in a key or a tag, ever reaches Redis as text.</summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed partial class KeyspaceSecretTests
{
    private const string Secret = "4111-1111-1111-1111";

    [Fact]
    public async Task No_trace_of_a_secret_argument_is_left_in_the_keyspace()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(redis.Configuration);
        var cards = new CardLookup(store);

        Assert.Equal(19, await cards.MaskedLengthAsync(Secret, Region.North));
        Assert.Equal(19, await cards.MaskedLengthAsync(Secret, Region.North));
        await store.InvalidateTagAsync($"card:{Secret}");
        Assert.Equal(19, await cards.MaskedLengthAsync(Secret, Region.North));

        string[] keys = redis.Keys();
        Assert.Equal(2, keys.Length); // the entry and its tag's version
        foreach (string key in keys)
        {
            Assert.DoesNotContain(Secret, key);
            byte[] value = (byte[])(await redis.Admin.StringGetAsync(key))!;
            Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(value));
            Assert.DoesNotContain(Secret, Encoding.Unicode.GetString(value));
        }
    }

    public sealed partial class CardLookup(CacheStore store)
    {
        private CacheStore CacheStore => store;

        [CacheResult(60, Tags = new[] { "card:{cardNumber}" })]
        public partial Task<int> MaskedLengthAsync(string cardNumber, Region region);

        private Task<int> MaskedLengthAsyncCore(string cardNumber, Region region) => Task.FromResult(cardNumber.Length);
    }
}
