#!/usr/bin/env bash
# Runs every test: installs what is missing (redis-server, and the Native AOT linker), builds everything with
# warnings as errors, runs both test projects, runs the sample on the embedded store, against Redis and against an
# address where nothing listens, then proves the NuGet package and the Native AOT build, and runs the README's commands.
# The tests marked Engine=Garnet run a second time against Garnet, installed as a dotnet tool (cached between runs).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)        # also the sentinel: redis-server CONF --sentinel
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)          # the cluster test joins nodes with redis-cli
command -v python3 >/dev/null 2>&1 || missing+=(python3-minimal)   # reads the .nupkg; runs the README's commands
command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)    # the README's commands call the sample apps
command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || missing+=(clang)   # Native AOT's linker
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)                                        # and its zlib
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing with apt-get: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

dotnet build ResultCache.slnx -c Release
results=$(mktemp)
status=0
dotnet test ResultCache.slnx -c Release --no-build --logger "console;verbosity=normal" | tee "$results" || status=$?

# The same runtime against Garnet: the tests marked [Trait(Engine.Name, Engine.Garnet)] (reads, writes, tags,
# invalidation, the local layer, batches, outages, leases; tests/ResultCache.Tests/Infrastructure/Engine.cs says what is
# left out and why), each on its own garnet-server. A hung test is stopped after 60 s and named, not waited for.
if [ "$status" -eq 0 ]; then
  echo "== tests against Garnet"
  garnet_version=2.2.12
  garnet_dir="${XDG_CACHE_HOME:-$HOME/.cache}/resultcache/garnet-$garnet_version"
  if [ ! -x "$garnet_dir/garnet-server" ]; then
    dotnet tool install --tool-path "$garnet_dir" garnet-server --version "$garnet_version"
  fi
  RESULTCACHE_TEST_GARNET="$garnet_dir/garnet-server" dotnet test tests/ResultCache.Tests -c Release --no-build \
    --filter "Engine=Garnet" --blame-hang-timeout 60s --blame-hang-dump-type none \
    --logger "console;verbosity=normal" | tee -a "$results" || status=$?
fi
passed=$(awk '/^ +Passed: [0-9]+$/ {s += $2} END {print s + 0}' "$results")
failed=$(awk '/^ +Failed: [0-9]+$/ {s += $2} END {print s + 0}' "$results")
if [ "$status" -ne 0 ]; then
  # The failures again, last, so that a log cut to its tail still names them and their messages.
  echo "== failed tests"
  awk '/^  Failed / {show = 40} show > 0 {print; show--}' "$results"
  echo "Tests: $passed passed, $failed failed"
  exit "$status"
fi

echo "== sample: embedded store"
dotnet run --project samples/Analytics -c Release --no-build

echo "== sample: Redis"
port=$(( 20000 + RANDOM % 20000 ))
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
dotnet run --project samples/Analytics -c Release --no-build -- --redis "127.0.0.1:$port" | tee /tmp/resultcache-sample.txt
grep -q "Redis status: Available" /tmp/resultcache-sample.txt

echo "== sample: nothing listening"
dotnet run --project samples/Analytics -c Release --no-build -- --redis 127.0.0.1:1 | tee /tmp/resultcache-sample.txt
grep -q "Redis status: Unavailable" /tmp/resultcache-sample.txt
echo "Sample runs passed."

echo "== package: pack, then build and run a consumer from the .nupkg alone"
bash scripts/package-test.sh

echo "== Native AOT: publish with zero warnings, run the native sample"
bash scripts/aot-test.sh

echo "== README: every command of Getting started (from the packed package) and Try it"
python3 scripts/readme-test.py

echo "Tests: $passed passed, $failed failed ($(( SECONDS / 60 )) min $(( SECONDS % 60 )) s)"
