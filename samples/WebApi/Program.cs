using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ResultCache;
using WebApi;

// Settings come from appsettings.json, then the environment (ResultCache__Redis__Configuration=localhost:6379 turns on
// Redis), then the command line (--ResultCache:Redis:Configuration=localhost:6379 --Urls=http://127.0.0.1:5080).
WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, WebApiJson.Default));

builder.Services.AddResultCache(builder.Configuration);   // the "ResultCache" section; checked when the app starts
builder.Services.AddSingleton(_ => EventsDb.Open(builder.Configuration["Database"] ?? "webapi.db"));
builder.Services.AddSingleton<ProjectReports>();

// Readiness runs the cache's check; liveness runs none, so a Redis outage never restarts the app.
builder.Services.AddHealthChecks().AddResultCache(tags: ["ready"]);

// Metrics are scraped from /metrics; traces go to an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is set, and to the
// console with --Tracing:Console=true.
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("webapi"))
    .WithMetrics(metrics => metrics
        .AddMeter(ResultCacheTelemetry.MeterName)
        .AddPrometheusExporter())
    .WithTracing(tracing =>
    {
        // Cache spans are children of the request's span: without the request's, a parent-based sampler drops them.
        tracing.AddAspNetCoreInstrumentation().AddSource(ResultCacheTelemetry.ActivitySourceName);
        if (builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is not null)
        {
            tracing.AddOtlpExporter();
        }
        if (builder.Configuration.GetValue<bool>("Tracing:Console"))
        {
            tracing.AddConsoleExporter();
        }
    });

WebApplication app = builder.Build();

app.MapGet("/projects/{projectId:guid}/stats/{day}", (Guid projectId, DateOnly day, ProjectReports reports, CancellationToken ct) =>
    reports.GetStatsAsync(projectId, day, ct));

app.MapPost("/projects/{projectId:guid}/events/{day}", async (Guid projectId, DateOnly day, int durationMs, ProjectReports reports, CancellationToken ct) =>
{
    await reports.RecordEventAsync(projectId, day, durationMs, ct);
    return Results.NoContent();
});

app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    Predicate = check => check.Tags.Contains("ready"),
    // Degraded (Redis down, results kept in process) still answers 200: the app works.
    ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status200OK },
});
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });

app.MapPrometheusScrapingEndpoint();   // GET /metrics

app.Run();
