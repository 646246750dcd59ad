using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ResultCache.Tests.Infrastructure;

/// <summary>Collects log entries so tests can count warnings per transition.</summary>
public sealed class LogSink : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public int Count(LogLevel level) => Entries.Count(e => e.Level == level);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception) + (exception is null ? string.Empty : " [" + exception.GetType().Name + ": " + exception.Message + "]")));
}
