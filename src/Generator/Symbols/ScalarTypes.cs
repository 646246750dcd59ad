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
        private static readonly Dictionary<SpecialType, ScalarUse> s_special = new()
        {
            [SpecialType.System_Boolean] = ScalarUse.Both,
            [SpecialType.System_Char] = ScalarUse.Both,
            [SpecialType.System_SByte] = ScalarUse.Both,
            [SpecialType.System_Byte] = ScalarUse.Both,
            [SpecialType.System_Int16] = ScalarUse.Both,
            [SpecialType.System_UInt16] = ScalarUse.Both,
            [SpecialType.System_Int32] = ScalarUse.Both,
            [SpecialType.System_UInt32] = ScalarUse.Both,
            [SpecialType.System_Int64] = ScalarUse.Both,
            [SpecialType.System_UInt64] = ScalarUse.Both,
            [SpecialType.System_Decimal] = ScalarUse.Both,
            [SpecialType.System_String] = ScalarUse.Both,
            [SpecialType.System_DateTime] = ScalarUse.Both,
            // Key only: a tag is matched by its text, and floating-point text surprises: 0.1 + 0.2 writes
            // "0.30000000000000004", and -0.0 writes "-0", so an invalidation naming "0.3" or "0" would miss it.
            [SpecialType.System_Single] = ScalarUse.Key,
            [SpecialType.System_Double] = ScalarUse.Key,
        };

        // The bytes CacheKeyWriter writes for each fixed-width scalar; a string's length varies, so it has none.
        private static readonly Dictionary<SpecialType, int> s_specialBytes = new()
        {
            [SpecialType.System_Boolean] = 1,
            [SpecialType.System_SByte] = 1,
            [SpecialType.System_Byte] = 1,
            [SpecialType.System_Char] = 2,
            [SpecialType.System_Int16] = 2,
            [SpecialType.System_UInt16] = 2,
            [SpecialType.System_Int32] = 4,
            [SpecialType.System_UInt32] = 4,
            [SpecialType.System_Single] = 4,
            [SpecialType.System_Int64] = 8,
            [SpecialType.System_UInt64] = 8,
            [SpecialType.System_Double] = 8,
            [SpecialType.System_Decimal] = 16,
            [SpecialType.System_DateTime] = 9,
        };

        private readonly Dictionary<INamedTypeSymbol, ScalarUse> _named = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<INamedTypeSymbol, int> _namedBytes = new(SymbolEqualityComparer.Default);

        public ScalarTypes(Func<string, INamedTypeSymbol?> get)
        {
            Add(get("System.Guid"), ScalarUse.Both, 16);
            Add(get("System.DateTimeOffset"), ScalarUse.Both, 16);
            Add(get("System.DateOnly"), ScalarUse.Both, 4);
            Add(get("System.TimeOnly"), ScalarUse.Both, 8);
            Add(get("System.TimeSpan"), ScalarUse.Both, 8);
            Add(get("System.Int128"), ScalarUse.Both, 16);
            Add(get("System.UInt128"), ScalarUse.Both, 16);

            void Add(INamedTypeSymbol? type, ScalarUse use, int bytes)
            {
                if (type is not null)
                {
                    _named[type] = use;
                    _namedBytes[type] = bytes;
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
            if (s_special.TryGetValue(type.SpecialType, out ScalarUse special))
            {
                return special;
            }
            return type is INamedTypeSymbol named && _named.TryGetValue(named, out ScalarUse use) ? use : ScalarUse.None;
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
            int bytes = s_specialBytes.TryGetValue(value.SpecialType, out int special) ? special
                : value is INamedTypeSymbol named && _namedBytes.TryGetValue(named, out int width) ? width
                : 0;
            return bytes == 0 ? 0 : bytes + presence;
        }
    }
}
