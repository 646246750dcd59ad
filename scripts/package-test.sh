#!/usr/bin/env bash
# Proves the package: packs ResultCache into a temporary folder, checks what the .nupkg holds, then builds a
# fresh consumer project outside the solution from that package alone (warnings as errors) and runs it:
# a miss then a hit on the embedded store, and against a real redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'kill ${redis_pid:-} 2>/dev/null || true; rm -rf "$work"' EXIT
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)

dotnet pack src/Runtime -c Release -o "$work/feed" -p:ContinuousIntegrationBuild=true
test -f "$work/feed/ResultCache.$version.nupkg"
test -f "$work/feed/ResultCache.$version.snupkg"

echo "== package contents"
contents=$(cd "$work/feed" && python3 -c "import sys, zipfile; print('\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))" "ResultCache.$version.nupkg")
echo "$contents"
for expected in lib/net8.0/ResultCache.dll lib/net10.0/ResultCache.dll analyzers/dotnet/cs/ResultCache.Generator.dll \
                analyzers/dotnet/cs/ResultCache.CodeFixes.dll README.md; do
  grep -qx "$expected" <<<"$contents" || { echo "The package lacks $expected"; exit 1; }
done

echo "== consumer project built from the package alone"
mkdir -p "$work/consumer"
cat > "$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <RestoreAdditionalProjectSources>$work/feed</RestoreAdditionalProjectSources>
    <RestorePackagesPath>$work/packages</RestorePackagesPath>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ResultCache" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$work/consumer/Program.cs" <<'CS'
using System.Text.Json.Serialization;
using ResultCache;

[assembly: CacheSerializer(typeof(ConsumerJson))]

string? redis = args.Length > 0 ? args[0] : null;
if (redis is not null)
{
    CacheStore.Configure(new RedisCacheStore(redis));
}
var prices = new Prices();
int first = prices.Price("sku-1");
int second = prices.Price("sku-1");
Console.WriteLine($"store: {CacheStore.Default.GetType().Name}, results {first}/{second}, computed {prices.Computed} time(s)");
return first == 5 && second == 5 && prices.Computed == 1 ? 0 : 1;

public partial class Prices
{
    public int Computed { get; private set; }

    [CacheResult(60)]
    public partial int Price(string sku);

    private int PriceCore(string sku)
    {
        Computed++;
        return sku.Length;
    }
}

[JsonSerializable(typeof(int))]
public partial class ConsumerJson : JsonSerializerContext;
CS
dotnet build "$work/consumer" -c Release

echo "== no compiler package leaks into the consumer"
if dotnet list "$work/consumer" package --include-transitive | grep -i "Microsoft.CodeAnalysis"; then
  echo "Roslyn leaked into the consumer's dependency graph"; exit 1
fi

echo "== run: embedded store"
dotnet "$work/consumer/bin/Release/net10.0/Consumer.dll"

echo "== run: Redis"
port=$(( 20000 + RANDOM % 20000 ))
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
dotnet "$work/consumer/bin/Release/net10.0/Consumer.dll" "127.0.0.1:$port"
echo "Package test passed."
