using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ResultCache.Testing;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Units;

/// <summary>The Redis entry's bytes: framing, tag versions and fail-safe times, without Redis.</summary>
public sealed class EntryCodecTests
{
    private static readonly Stats Value = new(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateOnly(2026, 11, 26), 42);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly LogSink _log = new();

    [Fact]
    public void A_plain_entry_is_its_checksum_then_its_json_and_reads_back_as_a_hit()
    {
        EntryCodec codec = NewCodec();
        MethodDescription<Stats> method = Method(failSafeSeconds: 0);

        byte[] payload = Encode(codec, method, Value, default, TimeSpan.FromMinutes(5));

        Assert.StartsWith("{", Encoding.UTF8.GetString(payload[8..]));
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(payload.AsSpan(8)), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload));
        CacheLookup<Stats> read = codec.Decode(method, 1, payload, default, out _, out _);
        Assert.True(read.Found);
        Assert.Equal(Value, read.Value);
    }

    [Fact]
    public void A_tagged_entry_reads_only_under_the_versions_it_was_stored_with()
    {
        EntryCodec codec = NewCodec();
        MethodDescription<Stats> method = Method(failSafeSeconds: 0);
        byte[] payload = Encode(codec, method, Value, new TagVersions(7, 9), TimeSpan.FromMinutes(5));

        Assert.Equal(16, payload.Length - Encode(codec, method, Value, default, TimeSpan.FromMinutes(5)).Length);
        Assert.True(codec.Decode(method, 1, payload, new TagVersions(7, 9), out _, out _).Found);
        CacheLookup<Stats> invalidated = codec.Decode(method, 1, payload, new TagVersions(7, 10), out _, out _);
        Assert.False(invalidated.Found);
        Assert.False(invalidated.HasStaleValue);
        Assert.Equal(10, invalidated.Versions[1]); // a miss carries the current versions for the write
    }

    [Fact]
    public void A_fail_safe_entry_is_fresh_for_its_ttl_then_stale_for_the_window_then_gone()
    {
        EntryCodec codec = NewCodec();
        MethodDescription<Stats> method = Method(failSafeSeconds: 600);
        byte[] payload = Encode(codec, method, Value, default, TimeSpan.FromSeconds(60));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(codec.Decode(method, 1, payload, default, out _, out _).Found);

        _time.Advance(TimeSpan.FromSeconds(2));
        CacheLookup<Stats> stale = codec.Decode(method, 1, payload, default, out _, out _);
        Assert.False(stale.Found);
        Assert.True(stale.HasStaleValue);
        Assert.Equal(Value, stale.Value);

        _time.Advance(TimeSpan.FromSeconds(600));
        CacheLookup<Stats> gone = codec.Decode(method, 1, payload, default, out _, out _);
        Assert.False(gone.Found || gone.HasStaleValue);
    }

    [Fact]
    public void A_missing_entry_is_a_quiet_miss_and_a_cut_short_flipped_or_corrupt_one_a_logged_miss()
    {
        EntryCodec codec = NewCodec();
        MethodDescription<Stats> method = Method(failSafeSeconds: 0);

        Assert.False(codec.Decode(method, 1, null, default, out _, out _).Found);
        Assert.Empty(_log.Entries);

        byte[] valid = Encode(codec, method, Value, default, TimeSpan.FromMinutes(5));
        byte[] flipped = (byte[])valid.Clone();
        flipped[^3] ^= 0x01; // still valid JSON, with another number in it: the checksum tells
        Assert.False(codec.Decode(method, 1, new byte[4], new TagVersions(1), out _, out _).Found); // shorter than its header
        Assert.False(codec.Decode(method, 1, flipped, default, out _, out _).Found);
        Assert.False(codec.Decode(method, 1, HostileEntries.WithChecksum("{\"ProjectId\": not json"u8), default, out _, out _).Found);
        Assert.Equal(3, _log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read")));
    }

    [Fact]
    public void Json_over_the_threshold_is_stored_compressed_after_the_header_and_reads_back_equal()
    {
        EntryCodec codec = NewCodec(compressAbove: 1024);
        MethodDescription<Document> method = new CachedMethod<Document>("Tests.Codec.Large", "00000000", 60, CacheJson.From<Document>(LargeJson.Default), failSafeSeconds: 600).Description;
        var document = new Document(Enumerable.Range(0, 500).Select(i => $"line {i} of a report, status paid").ToList());
        int json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(document, LargeJson.Default.Document).Length;

        byte[] payload = Encode(codec, method, document, new TagVersions(3), TimeSpan.FromMinutes(1));

        Assert.True(payload.Length < json / 2, $"{payload.Length} bytes stored for {json} bytes of JSON");
        Assert.Equal(PayloadCompression.Marker, payload[24]); // after the checksum, the fresh-until time and one tag version
        CacheLookup<Document> read = codec.Decode(method, 1, payload, new TagVersions(3), out _, out _);
        Assert.True(read.Found);
        Assert.Equal(document.Lines, read.Value.Lines);
    }

    [Fact]
    public void Json_at_or_under_the_threshold_or_that_does_not_shrink_is_stored_plain()
    {
        MethodDescription<Document> method = new CachedMethod<Document>("Tests.Codec.Large", "00000000", 60, CacheJson.From<Document>(LargeJson.Default)).Description;
        var small = new Document(["one line"]);
        var tiny = new Document(["ab"]); // over a zero threshold, but LZ4's framing would make it longer

        byte[] smallPayload = Encode(NewCodec(compressAbove: 4096), method, small, default, TimeSpan.FromMinutes(1));
        byte[] tinyPayload = Encode(NewCodec(compressAbove: 0), method, tiny, default, TimeSpan.FromMinutes(1));

        Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(small, LargeJson.Default.Document), smallPayload[8..]);
        Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(tiny, LargeJson.Default.Document), tinyPayload[8..]);
    }

    [Fact]
    public void A_compressed_entry_whose_declared_length_is_impossible_is_a_miss_not_an_allocation()
    {
        EntryCodec codec = NewCodec();
        MethodDescription<Stats> method = Method(failSafeSeconds: 0);
        byte[] payload = HostileEntries.WithChecksum([PayloadCompression.Marker, 0xff, 0xff, 0xff, 0x7f, 0x10, 0x41]); // claims 2 GB from two bytes

        Assert.False(codec.Decode(method, 1, payload, default, out _, out _).Found);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not be read"));
    }

    [Fact]
    public void A_payload_over_the_cap_is_not_encoded_and_is_counted()
    {
        using var metrics = new MetricRecorder();
        EntryCodec codec = NewCodec(maxEntryBytes: 32);
        MethodDescription<Stats> method = Method(failSafeSeconds: 0);

        Assert.False(codec.TryEncode(method, Value, default, TimeSpan.FromMinutes(1), out _, out _));
        Assert.False(codec.TryEncode(method, Value, default, TimeSpan.FromMinutes(1), out _, out _));

        Assert.Equal(2, metrics.Sum("cache.too_large", "cache.method", "Tests.Codec"));
        Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Tests.Codec"));
    }

    private EntryCodec NewCodec(int? compressAbove = 4096, long maxEntryBytes = 8 * 1024 * 1024) => new(_time, _log, compressAbove, maxEntryBytes);

    // The payload as Redis would get it; the pooled buffer goes back at once.
    private static byte[] Encode<T>(EntryCodec codec, MethodDescription<T> method, T value, TagVersions versions, TimeSpan ttl)
    {
        Assert.True(codec.TryEncode(method, value, versions, ttl, out RentedBytes rented, out _));
        byte[] payload = rented.Span.ToArray();
        rented.Return();
        return payload;
    }

    private static MethodDescription<Stats> Method(int failSafeSeconds) =>
        new CachedMethod<Stats>("Tests.Codec", "00000000", 60, CacheJson.From<Stats>(TestJson.Default), failSafeSeconds: failSafeSeconds).Description;
}
