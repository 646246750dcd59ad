namespace ResultCache.Tests;

/// <summary>Bad configuration fails at start-up with a message that names the problem and the fix.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void Defaults_are_the_ones_the_python_fix_settled_on()
    {
        var options = new RedisCacheStoreOptions();
        Assert.Equal(TimeSpan.FromSeconds(30), options.Backoff);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FirstBackoff);
        Assert.Equal(TimeSpan.FromSeconds(15), options.HealthCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.OperationTimeout);
        Assert.Equal("rc:", options.KeyPrefix);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.OutageCache.Ttl); // each method's TTL
        Assert.Equal(100_000, options.OutageCache.MaxEntries);
        Assert.Equal(4096, options.CompressAbove);
        Assert.Equal(8L << 20, options.MaxEntryBytes);
        Assert.Equal(TimeSpan.FromSeconds(5), options.LeaseTime);
    }

    [Fact]
    public void A_negative_outage_ttl_is_rejected_by_name_and_zero_turns_outage_caching_off()
    {
        var options = new RedisCacheStoreOptions { Configuration = "localhost:6379" };
        options.OutageCache.Ttl = TimeSpan.FromSeconds(-1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());
        Assert.Contains("OutageCacheOptions.Ttl", error.Message);

        options.OutageCache.Ttl = TimeSpan.Zero;
        options.Validate();
        Assert.False(options.OutageCache.Enabled);
    }

    [Fact]
    public void An_outage_ttl_cap_within_the_backoff_is_rejected_at_start_up_with_the_fix()
    {
        var options = new RedisCacheStoreOptions { Configuration = "localhost:6379", Backoff = TimeSpan.FromSeconds(30) };
        options.OutageCache.Ttl = TimeSpan.FromSeconds(30); // the old default: entries expired as the probe began
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.Validate());
        Assert.Contains("must be longer than RedisCacheStoreOptions.Backoff (00:00:30)", error.Message);
        Assert.Contains("Leave it unset", error.Message);

        options.OutageCache.Ttl = TimeSpan.FromSeconds(31);
        options.Validate();
        options.OutageCache.Ttl = Timeout.InfiniteTimeSpan;
        options.Validate();
        Assert.True(options.OutageCache.Enabled);
    }

    [Fact]
    public void The_client_is_set_to_fail_fast_without_retries()
    {
        var client = new RedisCacheStoreOptions { Configuration = "localhost:6379" }.Validate();
        Assert.Equal(StackExchange.Redis.BacklogPolicy.FailFast, client.BacklogPolicy);
        Assert.Equal(1, client.ConnectRetry);
        Assert.True(client.AbortOnConnectFail);
        Assert.Equal(2_000, client.SyncTimeout);
        Assert.Equal(2_000, client.AsyncTimeout);
        Assert.Equal(2_000, client.ConnectTimeout);
        Assert.Equal(15, client.KeepAlive);
    }

    [Fact]
    public void An_invalid_connection_string_is_rejected_when_the_store_is_created()
    {
        var error = Assert.Throws<ArgumentException>(() => new RedisCacheStore("localhost:6379,notAnOption=1"));
        Assert.Contains("not a valid connection string", error.Message);
    }

    [Fact]
    public void A_connection_string_or_options_is_required()
    {
        var error = Assert.Throws<ArgumentException>(() => new RedisCacheStore(new RedisCacheStoreOptions()));
        Assert.Contains("Configuration", error.Message);
    }

    [Fact]
    public void A_configuration_without_an_endpoint_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => new RedisCacheStore("password=secret"));
        Assert.Contains("endpoint", error.Message);
    }

    [Theory]
    [InlineData(nameof(RedisCacheStoreOptions.Backoff))]
    [InlineData(nameof(RedisCacheStoreOptions.FirstBackoff))]
    [InlineData(nameof(RedisCacheStoreOptions.HealthCheckInterval))]
    [InlineData(nameof(RedisCacheStoreOptions.ConnectTimeout))]
    [InlineData(nameof(RedisCacheStoreOptions.OperationTimeout))]
    public void Non_positive_durations_are_rejected_by_name(string option)
    {
        var options = new RedisCacheStoreOptions { Configuration = "localhost:6379" };
        typeof(RedisCacheStoreOptions).GetProperty(option)!.SetValue(options, TimeSpan.Zero);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisCacheStore(options));
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void An_invalid_environment_variable_names_the_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CacheStore.CreateDefault("localhost:6379,notAnOption=1"));
        Assert.Contains(CacheStore.RedisEnvironmentVariable, error.Message);
    }

    [Fact]
    public void The_default_store_is_configured_once()
    {
        var store = new MemoryCacheStore();
        CacheStore.Configure(store);
        CacheStore.Configure(store); // the same store again is harmless

        Assert.Same(store, CacheStore.Default);
        var error = Assert.Throws<InvalidOperationException>(() => CacheStore.Configure(new MemoryCacheStore()));
        Assert.Contains("start-up", error.Message);
    }

    [Fact]
    public void A_serializer_context_without_the_result_type_names_the_attribute_to_add()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CacheJson.From<Uri>(TestJson.Default));
        Assert.Contains("[JsonSerializable(typeof(Uri))]", error.Message);
    }
}
