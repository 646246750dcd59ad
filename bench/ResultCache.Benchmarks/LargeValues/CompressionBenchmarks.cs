using System.IO.Compression;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using K4os.Compression.LZ4;

namespace ResultCache.Benchmarks;

/// <summary>
/// Scenario 8a: the codecs considered for large entries, on JSON results of 10 KB, 100 KB and 1 MB. Compress is what a
/// miss pays, Decompress what a hit pays; the stored size is printed by the setup ("// stored: ...").
/// </summary>
[MemoryDiagnoser]
public class CompressionBenchmarks
{
    private byte[] _json = null!;
    private byte[] _compressed = null!;
    private byte[] _output = null!;

    [Params(10_000, 100_000, 1_000_000)]
    public int Size { get; set; }

    [Params("LZ4", "Brotli-1", "Deflate-Fastest")]
    public string Codec { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _json = JsonSerializer.SerializeToUtf8Bytes(Payloads.Of(Size), PayloadJson.Default.Catalog);
        _output = new byte[_json.Length * 2 + 1024];
        int written = Compress();
        _compressed = _output[..written];
        Console.WriteLine($"// stored: {Codec} {_json.Length} B -> {written} B ({100.0 * written / _json.Length:F1} %)");
    }

    [Benchmark]
    public int Compress() => Codec switch
    {
        "LZ4" => LZ4Codec.Encode(_json, _output, LZ4Level.L00_FAST),
        "Brotli-1" => BrotliEncoder.TryCompress(_json, _output, out int written, quality: 1, window: 22) ? written : -1,
        _ => Deflate(),
    };

    [Benchmark]
    public int Decompress() => Codec switch
    {
        "LZ4" => LZ4Codec.Decode(_compressed, _output),
        "Brotli-1" => BrotliDecoder.TryDecompress(_compressed, _output, out int written) ? written : -1,
        _ => Inflate(),
    };

    private int Deflate()
    {
        using var stream = new MemoryStream(_output);
        using (var deflate = new DeflateStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_json);
        }
        return (int)stream.Position;
    }

    private int Inflate()
    {
        using var deflate = new DeflateStream(new MemoryStream(_compressed), CompressionMode.Decompress);
        int total = 0, read;
        while ((read = deflate.Read(_output, total, _output.Length - total)) > 0)
        {
            total += read;
        }
        return total;
    }
}
