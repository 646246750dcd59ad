#!/usr/bin/env bash
# Proves "no reflection": publishes samples/Analytics with Native AOT, fails on any trim or AOT warning, then runs
# the native binary on the embedded store, against Redis (miss, hit), against a port where nothing listens
# (gate closed) and through a Redis restart (recovery).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
log="$out/publish.log"
trap 'kill ${redis_pid:-} 2>/dev/null || true; rm -rf "$out"' EXIT

dotnet publish samples/Analytics -c Release -r linux-x64 -o "$out/bin" 2>&1 | tee "$log"
if grep -E "warning (IL[0-9]+|AOT|NETSDK)" "$log"; then
  echo "The Native AOT publish has warnings (above)."; exit 1
fi
binary="$out/bin/Analytics"
echo "Binary size: $(du -h "$binary" | cut -f1)"

start_redis() {
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done
}

echo "== native: embedded store"
"$binary" | tee "$out/run.txt"
grep -q "hits   (cached):     180" "$out/run.txt"

echo "== native: Redis"
port=$(( 20000 + RANDOM % 20000 ))
start_redis "$port"
"$binary" --redis "127.0.0.1:$port" | tee "$out/run.txt"
grep -q "hits   (cached):     180" "$out/run.txt"
grep -q "Redis status: Available" "$out/run.txt"
kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true

echo "== native: gate closed, then recovery when Redis comes back"
"$binary" --redis "127.0.0.1:$port" --backoff 1 --duration 10 > "$out/run.txt" &
sample_pid=$!
sleep 2
start_redis "$port"
wait "$sample_pid"
cat "$out/run.txt"
grep -q "Redis status: Unavailable" "$out/run.txt"
grep -q "Redis status: Available" "$out/run.txt"
echo "Native AOT test passed."
