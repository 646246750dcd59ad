using System.Diagnostics;

namespace ResultCache;

/// <summary>Spans around Redis operations. <see cref="Start"/> returns null, at the cost of one check, when nobody listens.</summary>
internal static class CacheActivities
{
    private static readonly ActivitySource s_source = new(ResultCacheTelemetry.ActivitySourceName, typeof(CacheActivities).Assembly.GetName().Version?.ToString(3));

    public static Activity? Start(string operation, string? method)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }
        Activity? activity = s_source.StartActivity("cache " + operation, ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("cache.operation", operation);
        if (method is not null)
        {
            activity?.SetTag(CacheMetrics.MethodTag, method);
        }
        return activity;
    }

    /// <summary>
    /// The span of one background refresh: a root of its own (the hit that started it has long returned), linked to
    /// that hit's span when there was one.
    /// </summary>
    public static Activity? StartRefresh(string method, ActivityContext startedBy)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }
        ActivityLink[]? links = startedBy == default ? null : [new ActivityLink(startedBy)];
        Activity? activity = s_source.StartActivity("cache refresh", ActivityKind.Internal, parentContext: default, tags: null, links: links);
        activity?.SetTag(CacheMetrics.MethodTag, method);
        activity?.SetTag("cache.operation", "refresh");
        return activity;
    }

    /// <summary>The span of one batch call, around its lookups, its core call and its writes.</summary>
    public static Activity? StartBatch(string method, int size)
    {
        if (!s_source.HasListeners())
        {
            return null;
        }
        Activity? activity = s_source.StartActivity("cache batch", ActivityKind.Internal);
        activity?.SetTag(CacheMetrics.MethodTag, method);
        activity?.SetTag("cache.operation", "batch");
        activity?.SetTag("cache.batch.size", size);
        return activity;
    }

    /// <summary>Marks a span as failed with the exception's type; callers never see the exception itself.</summary>
    public static void Fail(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity?.SetTag("error.type", exception.GetType().Name);
    }
}
