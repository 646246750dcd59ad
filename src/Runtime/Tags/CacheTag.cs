using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ResultCache;

/// <summary>
/// A tag's text, built from an interpolated string with the invariant culture, so <c>$"day:{day}"</c>
/// names the same tag in a cached method's attribute and at an invalidation call, whatever the
/// current culture. Stores identify a tag by <see cref="ToHash"/>, never by its text.
/// </summary>
[InterpolatedStringHandler]
public struct CacheTag
{
    private char[] _buffer;
    private int _length;

    /// <summary>Starts a tag; called by the compiler for an interpolated string.</summary>
    public CacheTag(int literalLength, int formattedCount)
    {
        _buffer = ArrayPool<char>.Shared.Rent(Math.Max(32, literalLength + (formattedCount * 16)));
        _length = 0;
    }

    /// <summary>A tag whose whole text is <paramref name="text"/>.</summary>
    public static implicit operator CacheTag(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tag = new CacheTag(text.Length, 0);
        tag.AppendLiteral(text);
        return tag;
    }

    /// <summary>Appends literal text.</summary>
    public void AppendLiteral(string value) => AppendSpan(value);

    /// <summary>Appends a string argument; <see langword="null"/> appends nothing.</summary>
    public void AppendFormatted(string? value) => AppendSpan(value);

    /// <summary>Appends an argument formatted with the invariant culture.</summary>
    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    /// <summary>Appends an argument formatted with <paramref name="format"/> and the invariant culture.</summary>
    public void AppendFormatted<T>(T value, string? format)
    {
        if (value is ISpanFormattable formattable)
        {
            int written;
            while (!formattable.TryFormat(_buffer.AsSpan(_length), out written, format, CultureInfo.InvariantCulture))
            {
                Grow(_buffer.Length);
            }
            _length += written;
        }
        else
        {
            AppendSpan((value as IFormattable)?.ToString(format, CultureInfo.InvariantCulture) ?? value?.ToString());
        }
    }

    /// <summary>The tag's identity: XxHash128 of its UTF-16 text. Consumes the tag.</summary>
    public UInt128 ToHash()
    {
        char[] buffer = _buffer ?? [];
        UInt128 hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(buffer.AsSpan(0, _length)));
        if (_buffer is not null)
        {
            _buffer = null!;
            ArrayPool<char>.Shared.Return(buffer);
        }
        return hash;
    }

    /// <summary>The text built so far.</summary>
    public override readonly string ToString() => new(_buffer, 0, _length);

    private void AppendSpan(ReadOnlySpan<char> value)
    {
        if (_length + value.Length > _buffer.Length)
        {
            Grow(value.Length);
        }
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    private void Grow(int atLeast)
    {
        char[] larger = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + atLeast));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
