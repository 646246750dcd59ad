namespace ResultCache.Generator.Tests;

/// <summary>
/// One source per misuse, marked <c>{|RCxxxx:span|}</c> where the diagnostic belongs. Every one is valid C# on
/// its own, so a build shows ResultCache's diagnostic and nothing else.
/// </summary>
internal static class Misuses
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Threading.Tasks;\nusing ResultCache;\nnamespace Shop;\n";

    public static TheoryData<string, string> All => new()
    {
        { "body", """
            public class Service
            {
                [CacheResult(60)]
                public int {|RC0001:Get|}(int id) => id;
            }
            """ },
        { "core missing", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0002:Get|}(int id);
            }
            """ },
        { "core static-ness differs", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0002:Get|}(int id);
                private static int GetCore(int id) => id;
            }
            """ },
        { "core parameters differ", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0002:Get|}(int id);
                private int GetCore(long id) => 0;
            }
            """ },
        { "core return type differs", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial Task<int> {|RC0002:Get|}(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "void", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:void|} Run(int id);
                private void RunCore(int id) { }
            }
            """ },
        { "Task", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:Task|} Run(int id);
                private Task RunCore(int id) => Task.CompletedTask;
            }
            """ },
        { "ValueTask", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:ValueTask|} Run(int id);
                private ValueTask RunCore(int id) => default;
            }
            """ },
        { "IAsyncEnumerable", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:IAsyncEnumerable<int>|} Run(int id);
                private IAsyncEnumerable<int> RunCore(int id) => throw new NotSupportedException();
            }
            """ },
        { "ref return", """
            public partial class Service
            {
                private int _value;
                [CacheResult(60)]
                public partial {|RC0003:ref int|} Get(int id);
                private ref int GetCore(int id) => ref _value;
            }
            """ },
        { "pointer return", """
            public unsafe partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:int*|} Get(int id);
                private int* GetCore(int id) => null;
            }
            """ },
        { "dynamic", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0003:dynamic|} Get(int id);
                private dynamic GetCore(int id) => id;
            }
            """ },
        { "ref parameter", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(ref int {|RC0004:id|});
                private int GetCore(ref int id) => id;
            }
            """ },
        { "out parameter", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(out int {|RC0004:id|});
                private int GetCore(out int id) => id = 1;
            }
            """ },
        { "in parameter", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(in int {|RC0004:id|});
                private int GetCore(in int id) => id;
            }
            """ },
        { "ref readonly parameter", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(ref readonly int {|RC0004:id|});
                private int GetCore(ref readonly int id) => id;
            }
            """ },
        { "pointer parameter", """
            public unsafe partial class Service
            {
                [CacheResult(60)]
                public partial int Get(int* {|RC0004:id|});
                private int GetCore(int* id) => *id;
            }
            """ },
        { "ref struct parameter", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(Span<int> {|RC0004:ids|});
                private int GetCore(Span<int> ids) => ids.Length;
            }
            """ },
        { "zero TTL", """
            public partial class Service
            {
                [{|RC0005:CacheResult(0)|}]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "negative TTL", """
            public partial class Service
            {
                [{|RC0005:CacheResult(-5)|}]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "no key encoding", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(Type {|RC0006:kind|});
                private int GetCore(Type kind) => 0;
            }
            """ },
        { "unordered set", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(HashSet<string> {|RC0006:tags|});
                private int GetCore(HashSet<string> tags) => 0;
            }
            """ },
        { "result not in context", """
            public sealed record Order(int Id);
            public partial class Service
            {
                [CacheResult(60)]
                public partial {|RC0007:Order|} Get(int id);
                private Order GetCore(int id) => new(id);
            }
            """ },
        { "parameter not in context", """
            public sealed record Order(int Id);
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(Order {|RC0007:order|});
                private int GetCore(Order order) => order.Id;
            }
            """ },
        { "generic method", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0008:Get|}<T>(int id) where T : class, new();
                private int GetCore<T>(int id) where T : class, new() => id;
            }
            """ },
        { "not a JSON context", """
            public sealed class NotAContext { }
            [{|RC0009:CacheSerializer(typeof(NotAContext))|}]
            public partial class Service
            {
                [CacheResult(60)]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "abstract", """
            public abstract class Service
            {
                [CacheResult(60)]
                public abstract int {|RC0011:Get|}(int id);
            }
            """ },
        { "interface", """
            public interface IService
            {
                [CacheResult(60)]
                int {|RC0011:Get|}(int id);
            }
            """ },
        { "extern", """
            public class Service
            {
                [CacheResult(60)]
                [System.Runtime.InteropServices.DllImport("libc")]
                public static extern int {|RC0011:getpid|}();
            }
            """ },
        { "implemented elsewhere", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial int {|RC0011:Get|}(int id);
                public partial int Get(int id) => id;
            }
            """ },
        { "ignore without cache", """
            public class Service
            {
                public int Get([{|RC0012:CacheKeyIgnore|}] int id) => id;
            }
            """ },
        { "tag names no parameter", """
            public partial class Service
            {
                [CacheResult(60, Tags = new[] { {|RC0013:"project:{projectID}"|} })]
                public partial int Get(int projectId);
                private int GetCore(int projectId) => projectId;
            }
            """ },
        { "tag with an unclosed brace", """
            public partial class Service
            {
                [CacheResult(60, Tags = new[] { "all", {|RC0013:"project:{projectId"|} })]
                public partial int Get(int projectId);
                private int GetCore(int projectId) => projectId;
            }
            """ },
        { "tag placeholder without stable text", """
            public partial class Service
            {
                [CacheResult(60, Tags = new[] { {|RC0013:"ids:{ids}"|} })]
                public partial int Get(int[] ids);
                private int GetCore(int[] ids) => ids.Length;
            }
            """ },
        { "empty tag", """
            public partial class Service
            {
                [CacheResult(60, Tags = new[] { {|RC0013:""|} })]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "Invalidate companion already declared", """
            public partial class Service
            {
                [CacheResult(60)]
                public partial Task<int> {|RC0014:GetAsync|}(int id, [CacheKeyIgnore] string traceId);
                private Task<int> GetAsyncCore(int id, string traceId) => Task.FromResult(id);
                public void InvalidateGetAsync(int id) { }
            }
            """ },
        { "jitter out of range", """
            public partial class Service
            {
                [CacheResult(60, {|RC0015:TtlJitterPercent = 80|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "negative fail-safe", """
            public partial class Service
            {
                [CacheResult(60, {|RC0015:FailSafeSeconds = -1|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "store in a field under another name", """
            public partial class Service
            {
                private readonly CacheStore _store;
                public Service(CacheStore store) => _store = store;

                [CacheResult(60)]
                public partial int {|RC0016:Get|}(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "store in a primary-constructor parameter", """
            public partial class Service(MemoryCacheStore store)
            {
                [CacheResult(60)]
                public partial int {|RC0016:Get|}(int id);
                private int GetCore(int id) => id + store.Count;
            }
            """ },
        { "negative version", """
            public partial class Service
            {
                [CacheResult(60, {|RC0015:Version = -1|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "refresh-ahead of 100 percent", """
            public partial class Service
            {
                [CacheResult(60, {|RC0015:RefreshAheadPercent = 100|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "soft timeout not shorter than the hard one", """
            public partial class Service
            {
                [CacheResult(60, FailSafeSeconds = 60, {|RC0015:SoftTimeoutMilliseconds = 500|}, HardTimeoutMilliseconds = 500)]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "soft timeout without fail-safe", """
            public partial class Service
            {
                [CacheResult(60, {|RC0017:SoftTimeoutMilliseconds = 50|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "TtlFrom names no method", """
            public partial class Service
            {
                [CacheResult(60, {|RC0018:TtlFrom = "Missing"|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "TtlFrom method takes no result", """
            public partial class Service
            {
                [CacheResult(60, {|RC0018:TtlFrom = nameof(Ttl)|})]
                public partial Task<int> GetAsync(int id);
                private Task<int> GetAsyncCore(int id) => Task.FromResult(id);
                private static TimeSpan Ttl() => TimeSpan.FromSeconds(5);
            }
            """ },
        { "TtlFrom method returns no TimeSpan", """
            public partial class Service
            {
                [CacheResult(60, {|RC0018:TtlFrom = nameof(Ttl)|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
                private static int Ttl(int result) => 5;
            }
            """ },
        { "TtlFrom instance method for a static cached method", """
            public partial class Service
            {
                [CacheResult(60, {|RC0018:TtlFrom = nameof(Ttl)|})]
                public static partial int Get(int id);
                private static int GetCore(int id) => id;
                private TimeSpan Ttl(int result) => TimeSpan.FromSeconds(5);
            }
            """ },
        { "BatchBy names no parameter", """
            public partial class Service
            {
                [CacheResult(60, {|RC0019:BatchBy = "ids"|})]
                public partial int Get(int id);
                private int GetCore(int id) => id;
            }
            """ },
        { "BatchBy names an ignored parameter", """
            public partial class Service
            {
                [CacheResult(60, {|RC0019:BatchBy = nameof(trace)|})]
                public partial int Get(int id, [CacheKeyIgnore] string trace);
                private int GetCore(int id, string trace) => id;
            }
            """ },
        { "BatchBy names a collection", """
            public partial class Service
            {
                [CacheResult(60, {|RC0019:BatchBy = nameof(ids)|})]
                public partial int Get(int[] ids);
                private int GetCore(int[] ids) => ids.Length;
            }
            """ },
        { "BatchBy on a method without parameters", """
            public partial class Service
            {
                [CacheResult(60, {|RC0019:BatchBy = "id"|})]
                public partial int Get();
                private int GetCore() => 1;
            }
            """ },
        { "BatchBy with TtlFrom", """
            public partial class Service
            {
                [CacheResult(60, {|RC0019:BatchBy = nameof(id)|}, TtlFrom = nameof(Ttl))]
                public partial int Get(int id);
                private int GetCore(int id) => id;
                private IReadOnlyDictionary<int, int> GetManyCore(IReadOnlyList<int> ids) => new Dictionary<int, int>();
                private static TimeSpan Ttl(int result) => TimeSpan.FromSeconds(5);
            }
            """ },
        { "ManyCore missing", """
            public partial class Service
            {
                [CacheResult(60, {|RC0020:BatchBy = nameof(id)|})]
                public partial Task<int> GetAsync(int id);
                private Task<int> GetAsyncCore(int id) => Task.FromResult(id);
            }
            """ },
        { "ManyCore with the wrong signature", """
            public partial class Service
            {
                [CacheResult(60, {|RC0020:BatchBy = nameof(id)|})]
                public partial Task<int> GetAsync(int id);
                private Task<int> GetAsyncCore(int id) => Task.FromResult(id);
                private Task<Dictionary<int, int>> GetManyAsyncCore(List<int> ids) => Task.FromResult(new Dictionary<int, int>());
            }
            """ },
    };

    public static string Source(string body) => Usings + body;
}
