#!/bin/bash
# Builds the benchmark suite with the release preset and runs it: the Google Benchmark table,
# then the ratio table (each variant against mainline) and the environment. Not part of the tests.
#
#   tools/bench.sh                                       # every benchmark, short run (0.05 s each)
#   tools/bench.sh --benchmark_filter='steady|seed'      # some of them
#   tools/bench.sh --benchmark_min_time=0.5              # longer runs, steadier figures
#
# Arguments go to iovacheck_bench (Google Benchmark flags); a --benchmark_min_time given here
# overrides the short default. docs/benchmarks.md says what each benchmark measures.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target iovacheck_bench
exec build/release/bench/iovacheck_bench --benchmark_min_time=0.05 "$@"
