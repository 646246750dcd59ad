#!/usr/bin/env bash
# Builds the throughput harness as one self-contained file (about 50 MB; no .NET needed where it runs), for a machine
# with many cores. Run it there, for example:
#   artifacts/throughput/ResultCache.Benchmarks --throughput --threads 1,2,4,8,16 --out throughput-16-cores.csv
# then draw it here: python3 bench/plot-throughput.py throughput-16-cores.csv docs/images " (16 cores)"
# Warnings stay warnings for this build only: the BenchmarkDotNet part of the project reads Assembly.Location, which a
# single file flags (IL3000); the throughput harness does not use it.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish bench/ResultCache.Benchmarks -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:TreatWarningsAsErrors=false -o artifacts/throughput
