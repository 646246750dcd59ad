using System.Diagnostics;

namespace ResultCache.Tests.Infrastructure;

/// <summary>
/// Waits for something a real server or socket does (a reconnect, a disposed connection), polling on the real
/// clock up to a generous limit. Never used for what a TimeProvider can move.
/// </summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan limit)
    {
        var elapsed = Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > limit)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await condition())
        {
            if (elapsed.Elapsed > limit)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }
}
