using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ResultCache.Generator.Symbols
{
    /// <summary>What a scalar type can be used for in a cached method's declaration.</summary>
    [Flags]
    internal enum ScalarUse
    {
        None = 0,

        /// <summary>A <c>CacheKeyWriter.Write</c> overload writes it into the key, in a fixed binary form.</summary>
        Key = 1,

        /// <summary>A tag placeholder formats it as text, with the invariant culture.</summary>
        Tag = 2,

        Both = Key | Tag,
    }

    /// <summary>
    /// The one table of scalar types, for keys and for tags. A key takes a type's bits, so any fixed-width value
    /// works; a tag takes its text, which must read the same wherever it is formatted (an invalidation names a tag
    /// in code, maybe in another process and build), so a type is a tag type only when its invariant text is stable.
    /// </summary>
    internal sealed class ScalarTypes
    {
        // Each scalar: what it can be, and the bytes CacheKeyWriter writes for it (a string's length varies: 0).
        private static readonly Dictionary<SpecialType, Scalar> s_special = new()
        {
            [SpecialType.System_Boolean] = new(ScalarUse.Both, 1),
            [SpecialType.System_Char] = new(ScalarUse.Both, 2),
            [SpecialType.System_SByte] = new(ScalarUse.Both, 1),
            [SpecialType.System_Byte] = new(ScalarUse.Both, 1),
            [SpecialType.System_Int16] = new(ScalarUse.Both, 2),
            [SpecialType.System_UInt16] = new(ScalarUse.Both, 2),
            [SpecialType.System_Int32] = new(ScalarUse.Both, 4),
            [SpecialType.System_UInt32] = new(ScalarUse.Both, 4),
            [SpecialType.System_Int64] = new(ScalarUse.Both, 8),
            [SpecialType.System_UInt64] = new(ScalarUse.Both, 8),
            [SpecialType.System_Decimal] = new(ScalarUse.Both, 16),
            [SpecialType.System_String] = new(ScalarUse.Both, 0),
            [SpecialType.System_DateTime] = new(ScalarUse.Both, 9),
            // Key only: a tag is matched by its text, and floating-point text surprises: 0.1 + 0.2 writes
            // "0.30000000000000004", and -0.0 writes "-0", so an invalidation naming "0.3" or "0" would miss it.
            [SpecialType.System_Single] = new(ScalarUse.Key, 4),
            [SpecialType.System_Double] = new(ScalarUse.Key, 8),
        };

        private readonly Dictionary<INamedTypeSymbol, Scalar> _named = new(SymbolEqualityComparer.Default);

        public ScalarTypes(Func<string, INamedTypeSymbol?> get)
        {
            Add(get("System.Guid"), 16);
            Add(get("System.DateTimeOffset"), 16);
            Add(get("System.DateOnly"), 4);
            Add(get("System.TimeOnly"), 8);
            Add(get("System.TimeSpan"), 8);
            Add(get("System.Int128"), 16);
            Add(get("System.UInt128"), 16);

            void Add(INamedTypeSymbol? type, int keyBytes)
            {
                if (type is not null)
                {
                    _named[type] = new Scalar(ScalarUse.Both, keyBytes);
                }
            }
        }

        /// <summary>What <paramref name="type"/> (or the value type under its <c>?</c>) can be; enums are both.</summary>
        public ScalarUse UseOf(ITypeSymbol type)
        {
            type = KnownTypes.UnwrapNullable(type);
            if (type.TypeKind == TypeKind.Enum)
            {
                return ScalarUse.Both;
            }
            return Find(type)?.Use ?? ScalarUse.None;
        }

        /// <summary>
        /// The bytes the key writer writes for a scalar key of <paramref name="type"/>: its fixed width, one more for
        /// the presence byte of a <c>T?</c>; 0 when the width varies (a string).
        /// </summary>
        public int KeyBytes(ITypeSymbol type)
        {
            ITypeSymbol value = KnownTypes.UnwrapNullable(type);
            int presence = SymbolEqualityComparer.Default.Equals(value, type) ? 0 : 1;
            if (value is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
            {
                value = underlying;
            }
            int bytes = Find(value)?.KeyBytes ?? 0;
            return bytes == 0 ? 0 : bytes + presence;
        }

        private Scalar? Find(ITypeSymbol type) =>
            s_special.TryGetValue(type.SpecialType, out Scalar special) ? special
            : type is INamedTypeSymbol named && _named.TryGetValue(named, out Scalar scalar) ? scalar
            : null;

        private readonly struct Scalar(ScalarUse use, int keyBytes)
        {
            public ScalarUse Use { get; } = use;

            public int KeyBytes { get; } = keyBytes;
        }
    }
}
