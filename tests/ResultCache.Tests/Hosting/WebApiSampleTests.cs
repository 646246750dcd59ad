using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
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
        using Process app = StartSample(port, database, redis.Configuration);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            Assert.True(await Eventually.TrueAsync(async () => await HealthAsync(http) == "Healthy", TimeSpan.FromSeconds(30)),
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

            string metrics = await http.GetStringAsync("/metrics");
            const string method = "cache_method=\"WebApi.ProjectReports.GetStatsAsync\"";
            Assert.Contains("cache_hits_total{" + method + "} 1", metrics);
            Assert.Contains("cache_misses_total{" + method + "} 2", metrics);
            Assert.Contains("cache_invalidations_total{cache_invalidation_kind=\"entry\"} 1", metrics);
            Assert.Contains("cache_redis_gate_state{cache_store=\"webapi:\"} 0", metrics);

            redis.Kill();
            await http.GetAsync("/projects/" + Project + "/stats/2026-11-22"); // the fault closes the gate
            Assert.Equal("Degraded", await HealthAsync(http));
        }
        finally
        {
            app.Kill(entireProcessTree: true);
        }
    }

    private static async Task<string?> HealthAsync(HttpClient http)
    {
        try
        {
            return await http.GetStringAsync("/health");
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private static Process StartSample(int port, string database, string redis)
    {
        string dll = BuiltProject.Dll(Path.Combine("samples", "WebApi"), "WebApi");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (string argument in new[] { dll, $"--Urls=http://127.0.0.1:{port}", $"--Database={database}", $"--ResultCache:Redis:Configuration={redis}" })
        {
            start.ArgumentList.Add(argument);
        }
        Process process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
