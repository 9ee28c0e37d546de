#!/bin/bash
# Writes the two long traces the scale figures are measured on (docs/benchmarks.md), each about
# 50 MB: NIC-like churn with at most 16 live allocations, and one holding about 2,000 live
# allocations. Deterministic (a fixed Park-Miller generator), so every run writes the same bytes.
# usage: tools/long-traces.sh [DIR] [MEGABYTES]     (default: build/traces, 50)
set -euo pipefail
dir=${1:-build/traces}
megabytes=${2:-50}
mkdir -p "$dir"

generate() {  # generate LIVE FILE: alloc/fast and free/ffree by name, live allocations kept near LIVE
  awk -v live_target="$1" -v bytes="$((megabytes * 1000 * 1000))" '
    function rand31() { seed = (seed * 16807) % 2147483647; return seed }  # Park-Miller: exact in doubles
    function pick(n) { return rand31() % n }
    BEGIN {
      seed = 20261129
      printf "iova-trace 1\n# %d live allocations at most, real geometry, 4 CPUs\n", live_target
      printf "domain granule=0x1000 start=0x1 dma32=0x100000 mag=0x7f cpus=0x4 variant=mainline\n"
      written = 0; live = 0; next_name = 0
      while (written < bytes) {
        if (live < live_target && (live == 0 || pick(100) < 50 + 40 * (live_target - live) / live_target)) {
          size = 1 + (pick(4) == 0 ? pick(64) : pick(8))
          name = "a" (++next_name)
          if (pick(3) == 0) {
            line = sprintf("%s: alloc 0x%x limit=0xfffff", name, size)
            kind[name] = "alloc"
          } else {
            cpu = pick(4)
            line = sprintf("%s: fast 0x%x limit=0xfffff cpu=0x%x", name, size, cpu)
            kind[name] = "fast"; fsize[name] = size
          }
          names[++live] = name
        } else {
          index_ = 1 + pick(live)
          name = names[index_]
          names[index_] = names[live]; delete names[live]; live--
          if (kind[name] == "alloc") line = "free " name
          else line = sprintf("ffree %s size=0x%x cpu=0x%x", name, fsize[name], pick(4))
          delete kind[name]; delete fsize[name]
        }
        print line
        written += length(line) + 1
      }
    }' > "$2"
}

generate 16 "$dir/churn-16-live.trace"
generate 2000 "$dir/churn-2000-live.trace"
ls -l "$dir"/churn-*.trace
