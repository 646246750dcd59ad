using Microsoft.Extensions.Options;

namespace ResultCache;

/// <summary>Checks the options with the stores' own rules, so a bad setting fails the host's start with the store's message.</summary>
internal sealed class ResultCacheOptionsValidator : IValidateOptions<ResultCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, ResultCacheOptions options)
    {
        try
        {
            if (options.UseRegisteredConnectionMultiplexer && (options.Redis.Configuration is not null || options.Redis.ConfigurationOptions is not null))
            {
                return ValidateOptionsResult.Fail(
                    "ResultCache: set either Redis:Configuration or UseRegisteredConnectionMultiplexer, not both.");
            }
            if (options.UsesRedis && !options.UseRegisteredConnectionMultiplexer)
            {
                options.Redis.Validate();
            }
            if (options.Memory.MaxEntries < 1)
            {
                return ValidateOptionsResult.Fail($"ResultCache: Memory:MaxEntries is {options.Memory.MaxEntries}; it must be at least 1.");
            }
            options.Memory.Validate();
            options.Redis.LocalCache?.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail("ResultCache: " + ex.Message);
        }
    }
}
