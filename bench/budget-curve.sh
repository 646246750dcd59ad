#!/usr/bin/env bash
# The memory-budget curve in docs/benchmarks.md: caches 3 000 results of 2 MB each in a process whose GC heap is capped
# at 1 GiB (as a container limit caps it), with the byte budget on (the default) and off (entry count only), and plots
# the process's resident memory against the results cached as docs/images/budget-curve.svg.
#   bash bench/budget-curve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/ResultCache.MemoryBudgetApp -c Release >/dev/null
app=tests/ResultCache.MemoryBudgetApp/bin/Release/net10.0/ResultCache.MemoryBudgetApp.dll
out=$(mktemp -d)
DOTNET_GCHeapHardLimit=0x40000000 dotnet "$app" 3000 2 default > "$out/on.csv" 2>&1 || true
DOTNET_GCHeapHardLimit=0x40000000 dotnet "$app" 3000 2 off > "$out/off.csv" 2>&1 || true
python3 bench/plot-budget-curve.py "$out/on.csv" "$out/off.csv" docs/images/budget-curve.svg
tail -n 2 "$out/on.csv" "$out/off.csv"
