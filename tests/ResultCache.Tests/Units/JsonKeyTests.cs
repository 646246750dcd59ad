using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ResultCache.Tests.Units;

/// <summary>A key argument written as JSON: the serializer's own bytes, with no lookup or allocation per call.</summary>
public sealed class JsonKeyTests
{
    private static readonly Filter Sample = new("crème brûlée <b>", 20);

    [Fact]
    public void A_json_argument_is_written_as_its_serializers_own_bytes_for_each_context()
    {
        // A key written by an earlier version (which serialized with the serializer's own writer) must match, whatever
        // the context's layout and escaping.
        Assert.Equal(Expected(JsonSerializer.SerializeToUtf8Bytes(Sample, TestJson.Default.Filter)), Written(TestJson.Default));
        Assert.Equal(Expected(JsonSerializer.SerializeToUtf8Bytes(Sample, IndentedJson.Default.Filter)), Written(IndentedJson.Default));
        Assert.NotEqual(Written(TestJson.Default), Written(IndentedJson.Default));
    }

    [Fact]
    public void Writing_a_json_argument_allocates_nothing_once_warm()
    {
        Written(TestJson.Default);
        long before = GC.GetAllocatedBytesForCurrentThread();
        UInt128 hash = default;
        Span<byte> buffer = stackalloc byte[CacheKeyWriter.StackBufferSize];
        for (int i = 0; i < 100; i++)
        {
            var key = new CacheKeyWriter(buffer);
            key.WriteJson(Sample, TestJson.Default);
            hash = key.ToHash(7);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotEqual(default, hash);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void A_type_the_context_does_not_serialize_names_the_attribute_to_add()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
        {
            var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
            key.WriteJson(new Uri("https://example.com"), TestJson.Default);
        });
        Assert.Contains("[JsonSerializable(typeof(Uri))]", error.Message);
    }

    private static byte[] Written(JsonSerializerContext context)
    {
        var key = new CacheKeyWriter(stackalloc byte[CacheKeyWriter.StackBufferSize]);
        key.WriteJson(Sample, context);
        return key.WrittenBytes.ToArray();
    }

    private static byte[] Expected(byte[] json)
    {
        var bytes = new byte[4 + json.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, json.Length);
        json.CopyTo(bytes, 4);
        return bytes;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(Filter))]
internal sealed partial class IndentedJson : JsonSerializerContext;
