using System.Text.Json.Serialization;
using ResultCache;

[assembly: CacheSerializer(typeof(Shop.ReportJson))]

namespace Shop;

public partial class Reports
{
    public static int CoreRuns;

    [CacheResult(600)]
    public partial Report Get(int id);

    private Report GetCore(int id)
    {
        Interlocked.Increment(ref CoreRuns);
        return Report.Compute(id);
    }
}

[JsonSerializable(typeof(Report))]
public partial class ReportJson : JsonSerializerContext;
