using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using ResultCache;
using WebApi;

// Settings come from appsettings.json, then the environment (ResultCache__Redis__Configuration=localhost:6379 turns on
// Redis), then the command line (--ResultCache:Redis:Configuration=localhost:6379 --Urls=http://127.0.0.1:5080).
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, WebApiJson.Default));

builder.Services.AddResultCache(builder.Configuration);   // the "ResultCache" section; checked when the app starts
builder.Services.AddSingleton(_ => EventsDb.Open(builder.Configuration["Database"] ?? "webapi.db"));
builder.Services.AddSingleton<ProjectReports>();
builder.Services.AddSingleton<PrometheusMetrics>();
builder.Services.AddHealthChecks().AddCheck<ResultCacheHealthCheck>("resultcache");

WebApplication app = builder.Build();
app.Services.GetRequiredService<PrometheusMetrics>(); // listen from the start

app.MapGet("/projects/{projectId:guid}/stats/{day}", (Guid projectId, DateOnly day, ProjectReports reports, CancellationToken ct) =>
    reports.GetStatsAsync(projectId, day, ct));

app.MapPost("/projects/{projectId:guid}/events/{day}", async (Guid projectId, DateOnly day, int durationMs, ProjectReports reports, CancellationToken ct) =>
{
    await reports.RecordEventAsync(projectId, day, durationMs, ct);
    return Results.NoContent();
});

app.MapHealthChecks("/health", new HealthCheckOptions
{
    // Degraded (Redis down, results kept in process) still answers 200: the app works.
    ResultStatusCodes = { [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded] = StatusCodes.Status200OK },
});

app.MapGet("/metrics", (PrometheusMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));

app.Run();
