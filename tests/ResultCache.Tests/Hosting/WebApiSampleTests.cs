using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ResultCache.Tests.Infrastructure;

namespace ResultCache.Tests.Hosting;

/// <summary>Starts samples/WebApi on a free loopback port, against a real redis-server, and exercises it over HTTP.</summary>
public sealed class WebApiSampleTests
{
    private static readonly Guid Project = new(1, 0, 0, new byte[8]);

    [Fact]
    public async Task Cached_endpoints_invalidation_health_and_metrics_work_over_http()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        string database = Path.Combine(Directory.CreateTempSubdirectory("resultcache-webapi-").FullName, "webapi.db");
        int port = RedisServer.FreePort();
        var output = new StringBuilder();
        using Process app = StartSample(port, database, redis.Configuration, output);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            Assert.True(await Eventually.TrueAsync(async () => await HealthAsync(http, "/health/ready") == "Healthy", TimeSpan.FromSeconds(30)),
                "The sample did not report Healthy.");

            JsonElement first = await http.GetFromJsonAsync<JsonElement>("/projects/" + Project + "/stats/2026-11-21");
            JsonElement second = await http.GetFromJsonAsync<JsonElement>("/projects/" + Project + "/stats/2026-11-21");
            Assert.Equal(500, first.GetProperty("events").GetInt64()); // seeded on first run
            Assert.Equal(first.ToString(), second.ToString());
            Assert.NotEmpty(redis.Keys("webapi:*")); // the key prefix from appsettings.json

            HttpResponseMessage posted = await http.PostAsync("/projects/" + Project + "/events/2026-11-21?durationMs=120", null);
            Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
            JsonElement after = await http.GetFromJsonAsync<JsonElement>("/projects/" + Project + "/stats/2026-11-21");
            Assert.Equal(501, after.GetProperty("events").GetInt64()); // the write invalidated the cached stats

            // /metrics is written by the OpenTelemetry Prometheus exporter.
            string metrics = await http.GetStringAsync("/metrics");
            const string method = "cache_method=WebApi.ProjectReports.GetStatsAsync";
            Assert.Equal(1, PrometheusText.Value(metrics, "cache_hits_total", method));
            Assert.Equal(2, PrometheusText.Value(metrics, "cache_misses_total", method));
            Assert.Equal(1, PrometheusText.Value(metrics, "cache_invalidations_total", "cache_invalidation_kind=entry"));
            Assert.Equal(0, PrometheusText.Value(metrics, "cache_redis_gate_state", "cache_store=webapi:"));
            Assert.Equal(1, PrometheusText.Value(metrics, "cache_duration_seconds_count", method, "cache_result=hit"));
            // The hit took well under a second: it lands in a sub-second bucket (the buckets are in seconds, not ms).
            Assert.Equal(1, PrometheusText.Value(metrics, "cache_duration_seconds_bucket", method, "cache_result=hit", "le=0.5"));

            // The Redis read of the first request was traced, as a child of the request's span.
            Assert.True(await Eventually.TrueAsync(() => Task.FromResult(Regex.IsMatch(Snapshot(output), @"Activity\.DisplayName:\s+cache get")), TimeSpan.FromSeconds(10)),
                "No 'cache get' span reached the console exporter.");

            redis.Kill();
            await http.GetAsync("/projects/" + Project + "/stats/2026-11-22"); // the fault closes the gate
            Assert.Equal("Degraded", await HealthAsync(http, "/health/ready"));
            Assert.Equal("Healthy", await HealthAsync(http, "/health/live")); // a Redis outage never fails liveness
            // The exporter may answer a scrape from its last one for a moment (its response cache).
            Assert.True(await Eventually.TrueAsync(
                async () => PrometheusText.Value(await http.GetStringAsync("/metrics"), "cache_redis_gate_state", "cache_store=webapi:") == 1,
                TimeSpan.FromSeconds(10)), "The gate gauge did not show the closed gate.");
        }
        finally
        {
            app.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string?> HealthAsync(HttpClient http, string path)
    {
        try
        {
            return await http.GetStringAsync(path);
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static Process StartSample(int port, string database, string redis, StringBuilder output)
    {
        string dll = BuiltProject.Dll(Path.Combine("samples", "WebApi"), "WebApi");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (string argument in new[] { dll, $"--Urls=http://127.0.0.1:{port}", $"--Database={database}", $"--ResultCache:Redis:Configuration={redis}", "--Tracing:Console=true" })
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            lock (output)
            {
                output.AppendLine(line.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
