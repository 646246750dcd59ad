#!/usr/bin/env bash
# Runs every test: installs redis-server when missing, builds everything with warnings as errors,
# runs both test projects, then runs the sample on the embedded store, against Redis, and against
# an address where nothing listens.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing: installing it with apt-get"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends redis-server
fi

dotnet build ResultCache.slnx -c Release
results=$(mktemp)
dotnet test ResultCache.slnx -c Release --no-build --logger "console;verbosity=normal" | tee "$results"
passed=$(awk '/^ +Passed: [0-9]+$/ {s += $2} END {print s + 0}' "$results")
failed=$(awk '/^ +Failed: [0-9]+$/ {s += $2} END {print s + 0}' "$results")

echo "== sample: embedded store"
dotnet run --project samples/Analytics -c Release --no-build

echo "== sample: Redis"
port=$(( 20000 + RANDOM % 20000 ))
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
dotnet run --project samples/Analytics -c Release --no-build -- --redis "127.0.0.1:$port" | tee /tmp/resultcache-sample.txt
grep -q "Redis status: Available" /tmp/resultcache-sample.txt

echo "== sample: nothing listening"
dotnet run --project samples/Analytics -c Release --no-build -- --redis 127.0.0.1:1 | tee /tmp/resultcache-sample.txt
grep -q "Redis status: Unavailable" /tmp/resultcache-sample.txt
echo "Sample runs passed."
echo "Tests: $passed passed, $failed failed"
