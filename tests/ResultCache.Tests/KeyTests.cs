using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests;

/// <summary>Key encoding: distinct where arguments differ, and pinned so a change to hashing is deliberate.</summary>
[Trait(Engine.Name, Engine.Garnet)]
public sealed class KeyTests
{
    [Fact]
    public async Task Golden_key_of_a_fixed_call_is_pinned()
    {
        // If this fails, every deployed cache entry would be orphaned: change it only on purpose. Changed once on
        // purpose when the signature began to cover the result's JSON contract (docs/keys.md).
        await using RedisServer redis = await RedisServer.StartAsync();
        using var store = new RedisCacheStore(redis.Configuration);
        var service = new StatsService(store);

        await service.GetStatsAsync(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateOnly(2026, 11, 26));

        string key = Assert.Single(redis.Keys());
        Assert.Equal("rc:ResultCache.Tests.StatsService.GetStatsAsync:c9761bf8:0fbe6a0d926c8477813303b2f13c9c2c", key);
    }

    [Fact]
    public void Encoding_is_the_documented_byte_layout_hashed_with_XxHash128()
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        key.Write(42);
        key.Write("answer");

        // int32 little-endian, then a string as its int32 length and UTF-16LE code units (docs/keys.md).
        byte[] expected = [42, 0, 0, 0, 6, 0, 0, 0, (byte)'a', 0, (byte)'n', 0, (byte)'s', 0, (byte)'w', 0, (byte)'e', 0, (byte)'r', 0];
        Assert.Equal(expected, key.WrittenBytes.ToArray());
        UInt128 hash = key.ToHash(seed: 7);
        Assert.Equal(System.IO.Hashing.XxHash128.HashToUInt128(expected, 7), hash);
        Assert.Equal("5fff8fde4a32a5d9576c47997abea341", hash.ToString("x32"));
    }

    [Fact]
    public void Null_and_empty_string_differ()
    {
        Assert.NotEqual(Hash((ref CacheKeyWriter k) => k.Write((string?)null)), Hash((ref CacheKeyWriter k) => k.Write("")));
    }

    [Fact]
    public void Boundaries_between_strings_are_part_of_the_key()
    {
        Assert.NotEqual(
            Hash((ref CacheKeyWriter k) => { k.Write("ab"); k.Write("c"); }),
            Hash((ref CacheKeyWriter k) => { k.Write("a"); k.Write("bc"); }));
    }

    [Fact]
    public void Null_and_default_of_a_nullable_differ()
    {
        Assert.NotEqual(Hash((ref CacheKeyWriter k) => k.Write((int?)null)), Hash((ref CacheKeyWriter k) => k.Write((int?)0)));
        Assert.NotEqual(Hash((ref CacheKeyWriter k) => k.WriteCount((int[]?)null)), Hash((ref CacheKeyWriter k) => k.WriteCount(Array.Empty<int>())));
    }

    [Fact]
    public void Dates_keep_their_kind_and_offset()
    {
        var ticks = new DateTime(2026, 1, 1, 12, 0, 0);
        Assert.NotEqual(
            Hash((ref CacheKeyWriter k) => k.Write(DateTime.SpecifyKind(ticks, DateTimeKind.Utc))),
            Hash((ref CacheKeyWriter k) => k.Write(DateTime.SpecifyKind(ticks, DateTimeKind.Local))));
        Assert.NotEqual(
            Hash((ref CacheKeyWriter k) => k.Write(new DateTimeOffset(ticks, TimeSpan.Zero))),
            Hash((ref CacheKeyWriter k) => k.Write(new DateTimeOffset(ticks, TimeSpan.FromHours(1)))));
    }

    [Fact]
    public void Seed_separates_methods_with_equal_arguments()
    {
        var one = new CacheKeyWriter(stackalloc byte[16]);
        one.Write(1);
        var two = new CacheKeyWriter(stackalloc byte[16]);
        two.Write(1);
        Assert.NotEqual(one.ToHash(1), two.ToHash(2));
    }

    [Fact]
    public void Keys_longer_than_the_stack_buffer_hash_like_short_ones()
    {
        string longText = new('x', 1_000);
        var small = new CacheKeyWriter(stackalloc byte[8]);
        small.Write(longText);
        var large = new CacheKeyWriter(new byte[4_096]);
        large.Write(longText);
        Assert.Equal(large.ToHash(0), small.ToHash(0));
    }

    private delegate void KeyAction(ref CacheKeyWriter key);

    private static UInt128 Hash(KeyAction write)
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        write(ref key);
        return key.ToHash(0);
    }
}
