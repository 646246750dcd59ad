using Microsoft.Extensions.Logging;

namespace Analytics;

/// <summary>Prints the cache's own log lines, so the gate closing and reopening is visible.</summary>
internal sealed class ConsoleLogger : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.WriteLine($"  [cache {logLevel}] {formatter(state, exception)}");
        }
    }
}
