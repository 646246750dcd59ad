using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Units;

/// <summary>The Redis entry's bytes: framing, tag versions and fail-safe times, without Redis.</summary>
public sealed class EntryCodecTests
{
    private static readonly Stats Value = new(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateOnly(2026, 11, 26), 42);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly LogSink _log = new();

    [Fact]
    public void A_plain_entry_is_its_json_alone_and_reads_back_as_a_hit()
    {
        EntryCodec codec = new(_time, _log);
        CachedMethod<Stats> method = Method(failSafeSeconds: 0);

        byte[] payload = codec.Encode(method, Value, default, TimeSpan.FromMinutes(5))!;

        Assert.StartsWith("{", Encoding.UTF8.GetString(payload));
        CacheLookup<Stats> read = codec.Decode(method, 1, payload, default);
        Assert.True(read.Found);
        Assert.Equal(Value, read.Value);
    }

    [Fact]
    public void A_tagged_entry_reads_only_under_the_versions_it_was_stored_with()
    {
        EntryCodec codec = new(_time, _log);
        CachedMethod<Stats> method = Method(failSafeSeconds: 0);
        byte[] payload = codec.Encode(method, Value, new TagVersions(7, 9), TimeSpan.FromMinutes(5))!;

        Assert.Equal(16, payload.Length - codec.Encode(method, Value, default, TimeSpan.FromMinutes(5))!.Length);
        Assert.True(codec.Decode(method, 1, payload, new TagVersions(7, 9)).Found);
        CacheLookup<Stats> invalidated = codec.Decode(method, 1, payload, new TagVersions(7, 10));
        Assert.False(invalidated.Found);
        Assert.False(invalidated.HasStaleValue);
        Assert.Equal(10, invalidated.Versions[1]); // a miss carries the current versions for the write
    }

    [Fact]
    public void A_fail_safe_entry_is_fresh_for_its_ttl_then_stale_for_the_window_then_gone()
    {
        EntryCodec codec = new(_time, _log);
        CachedMethod<Stats> method = Method(failSafeSeconds: 600);
        byte[] payload = codec.Encode(method, Value, default, TimeSpan.FromSeconds(60))!;

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(codec.Decode(method, 1, payload, default).Found);

        _time.Advance(TimeSpan.FromSeconds(2));
        CacheLookup<Stats> stale = codec.Decode(method, 1, payload, default);
        Assert.False(stale.Found);
        Assert.True(stale.HasStaleValue);
        Assert.Equal(Value, stale.Value);

        _time.Advance(TimeSpan.FromSeconds(600));
        CacheLookup<Stats> gone = codec.Decode(method, 1, payload, default);
        Assert.False(gone.Found || gone.HasStaleValue);
    }

    [Fact]
    public void A_missing_cut_short_or_corrupt_entry_is_a_miss_and_only_the_corrupt_one_is_logged()
    {
        EntryCodec codec = new(_time, _log);
        CachedMethod<Stats> method = Method(failSafeSeconds: 0);

        Assert.False(codec.Decode(method, 1, null, default).Found);
        Assert.False(codec.Decode(method, 1, new byte[4], new TagVersions(1)).Found); // shorter than its header
        Assert.Empty(_log.Entries);

        Assert.False(codec.Decode(method, 1, Encoding.UTF8.GetBytes("{\"ProjectId\": not json"), default).Found);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read"));
    }

    private static CachedMethod<Stats> Method(int failSafeSeconds) =>
        new("Tests.Codec", "00000000", 60, CacheJson.From<Stats>(TestJson.Default), failSafeSeconds: failSafeSeconds);
}
