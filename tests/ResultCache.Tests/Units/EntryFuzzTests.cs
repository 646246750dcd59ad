using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ResultCache.Tests.Units;

/// <summary>
/// The entry decoder and the tag-version reader against random and mutated bytes: each input reads as the value that
/// was stored or as a miss, never as an exception or another value, and allocates at most what the cap allows.
/// 200 000 inputs in CI; set RESULTCACHE_FUZZ_INPUTS for a longer run.
/// </summary>
public sealed class EntryFuzzTests(ITestOutputHelper output)
{
    private const int MaxEntryBytes = 64 * 1024;

    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("RESULTCACHE_FUZZ_INPUTS"), out int inputs) ? inputs : 200_000;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    public static TheoryData<string> Framings => new() { "plain", "tagged", "fail-safe", "compressed" };

    [Theory]
    [MemberData(nameof(Framings))]
    public void Any_bytes_decode_to_the_stored_value_or_a_miss_with_bounded_allocation(string framing)
    {
        var codec = new EntryCodec(_time, NullLogger.Instance, framing == "compressed" ? 0 : null, MaxEntryBytes);
        MethodDescription<Document> method = new CachedMethod<Document>("Tests.Fuzz", "00000000", 60, CacheJson.From<Document>(LargeJson.Default),
            failSafeSeconds: framing == "fail-safe" ? 600 : 0).Description;
        TagVersions versions = framing == "tagged" ? new TagVersions(11, -7) : default;
        var random = new Random(framing.GetHashCode(StringComparison.Ordinal));
        Document[] originals = [.. Enumerable.Range(0, 16).Select(i => new Document([.. Enumerable.Range(0, i * 7).Select(l => $"line {l}, value {l * i}")]))];
        byte[][] valid = [.. originals.Select(d => Encode(codec, method, d, versions))];
        foreach (byte[] entry in valid)
        {
            codec.Decode(method, 1, entry, versions, out _, out _); // the serializer builds its reading metadata once, on a first read: not a decode's cost
        }

        long hits = 0;
        long worst = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Inputs / 4; i++)
        {
            int source = random.Next(valid.Length);
            byte[] input = Mutate(valid[source], random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            CacheLookup<Document> read = codec.Decode(method, 1, input, versions, out _, out _); // throws: the test fails
            worst = Math.Max(worst, GC.GetAllocatedBytesForCurrentThread() - before);
            if (read.Found || read.HasStaleValue)
            {
                hits++;
                Assert.True(read.Value?.Lines is not null && originals.Any(o => o.Lines.SequenceEqual(read.Value.Lines)),
                    $"Input {i} ({input.Length} bytes, from original {source}) read as a value that was never stored.");
            }
        }
        output.WriteLine($"{framing}: {Inputs / 4} inputs in {clock.Elapsed.TotalSeconds:F1} s, {hits} read as a stored value, worst allocation {worst} bytes");
        // A decode may allocate the decompressed JSON (at most the cap) and the objects it holds, never what a header claims.
        Assert.True(worst < 8 * MaxEntryBytes, $"One decode allocated {worst} bytes.");
    }

    [Fact]
    public void Any_value_under_a_tag_key_reads_as_a_version_only_when_it_is_one()
    {
        var random = new Random(7);
        int versions = 0;
        for (int i = 0; i < Inputs / 4; i++)
        {
            long number = random.NextInt64(long.MinValue, long.MaxValue);
            RedisValue value = (i % 4) switch
            {
                0 => number,                                                                    // a version as stored
                1 => (RedisValue)Mutate(System.Text.Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)), random),
                2 => (RedisValue)RandomBytes(random, random.Next(0, 40)),
                _ => RedisValue.Null,
            };
            long expected = 0;
            bool isNumber = !value.IsNull && long.TryParse((string?)value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out expected);
            // Only the text of a 64-bit number passes (stricter than long.TryParse: no sign or spaces), as that number.
            if (RedisTagVersions.TryRead(value, out long version))
            {
                versions++;
                Assert.True(isNumber, $"\"{value}\" read as version {version}.");
                Assert.Equal(expected, version);
            }
            Assert.True(i % 4 != 0 || version == number, $"A stored version {number} did not read back.");
        }
        Assert.True(versions >= Inputs / 16);
    }

    // One of the ways real entries go bad: flipped bits, cut short, extended, a header with an extreme length, or noise.
    private static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] bytes = (byte[])valid.Clone();
        switch (random.Next(7))
        {
            case 0:
                for (int flips = random.Next(1, 4); flips > 0 && bytes.Length > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length + 1)];
            case 2:
                return [.. bytes, .. RandomBytes(random, random.Next(1, 64))];
            case 3:
                // A compressed frame's declared length, wherever a frame could start, set to something extreme.
                int at = random.Next(Math.Max(1, bytes.Length - 4));
                if (bytes.Length >= at + 5)
                {
                    bytes[at] = PayloadCompression.Marker;
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 1), random.Next(5) switch
                    {
                        0 => int.MaxValue,
                        1 => int.MinValue,
                        2 => MaxEntryBytes + 1,
                        3 => 0,
                        _ => random.Next(),
                    });
                }
                return bytes;
            case 4:
                return RandomBytes(random, random.Next(0, 256));
            case 5:
                return bytes; // unchanged: must read back as itself
            default:
                if (bytes.Length > 0)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
                return bytes;
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Encode(EntryCodec codec, MethodDescription<Document> method, Document value, TagVersions versions)
    {
        Assert.True(codec.TryEncode(method, value, versions, TimeSpan.FromMinutes(1), out RentedBytes rented, out _));
        byte[] payload = rented.Span.ToArray();
        rented.Return();
        return payload;
    }
}
