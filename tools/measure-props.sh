#!/bin/bash
# Measures the property engine: `iovacheck check` on every z-variant over 20 seeds, and prints
# per variant the tests until the first violation and the seconds to find it (median, max),
# the seconds of the whole run with shrinking and minimization (median, max) and the minimized
# length (median), then the engine's throughput over every search (tests/s, checked ops/s).
# usage: tools/measure-props.sh [IOVACHECK] [SEEDS]   (default build/release/cli/iovacheck, 20)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/release/cli/iovacheck}
seeds=${2:-20}
[ -x "$binary" ] || { echo "measure-props: no binary at $binary (build the iovacheck target first)" >&2; exit 2; }

variants=$("$binary" variants | awk '/^z[0-9]/ {print $1}')
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One line per run: variant found tests search_s total_s minimized_steps steps_per_s
for variant in $variants; do
  for seed in $(seq 1 "$seeds"); do
    start=$(date +%s.%N)
    set +e
    "$binary" check --variant "$variant" --seed "$seed" >"$scratch/out" 2>&1
    status=$?
    set -e
    end=$(date +%s.%N)
    awk -v variant="$variant" -v status="$status" -v start="$start" -v end="$end" '
      /^passed / { tests = $2 }
      /^tests until failure:/ { tests = $4; sub(";", "", tests); minimized = $NF }
      /^search:/ { seconds = $2; rate = $6 }  # search: S s, T tests/s, R checked ops/s
      END {
        if (status > 1) { print "error", variant > "/dev/stderr"; exit 1 }
        printf "%s %d %d %s %.3f %s %s\n", variant, status == 1, tests, seconds, end - start, (status == 1 ? minimized : "-"), rate
      }' "$scratch/out" >>"$scratch/runs"
  done
done

echo "iovacheck check, default budget, seeds 1..$seeds ($(nproc) cores, one run at a time)"
echo
printf "%-24s %7s %14s %14s %14s %10s\n" variant found "tests med/max" "search s med/max" "total s med/max" "min. len"
sort -k1,1 "$scratch/runs" | awk '
  function median(list,   values, n, i, j, swap) {  # plain awk: an insertion sort
    n = split(list, values, " ")
    for (i = 2; i <= n; i++)
      for (j = i; j > 1 && values[j - 1] + 0 > values[j] + 0; j--) { swap = values[j]; values[j] = values[j - 1]; values[j - 1] = swap }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  function maximum(list,   values, n, i, best) {
    n = split(list, values, " "); best = values[1]
    for (i = 2; i <= n; i++) if (values[i] + 0 > best + 0) best = values[i]
    return best
  }
  function flush() {
    if (name == "") return
    printf "%-24s %3d/%-3d %6s/%-7s %7.2f/%-6.2f %7.2f/%-6.2f %10s\n", name, found, runs,
           found ? median(tests) : "-", found ? maximum(tests) : "-", found ? median(search) : 0,
           found ? maximum(search) : 0, median(total), maximum(total), found ? median(lengths) : "-"
  }
  $1 != name { flush(); name = $1; found = 0; runs = 0; tests = ""; search = ""; total = ""; lengths = "" }
  { runs++; total = total " " $5 }
  $2 == 1 { found++; tests = tests " " $3; search = search " " $4; lengths = lengths " " $6 }
  { all_tests += $3; all_seconds += $4; all_steps += $7 * $4 }
  END {
    flush()
    printf "\nthroughput over every search: %.0f tests/s, %.0f checked ops/s\n", all_tests / all_seconds, all_steps / all_seconds
  }'
