#!/bin/bash
# Measures the fuzz engine (docs/fuzz.md "Figures"); a benchmark, not a test.
#  1. executions per CPU second of each harness with and without sanitizers: 2000 fixed random
#     inputs of 30 operations (370 bytes) given as files, each run once three times over (the
#     harness alone: libFuzzer keeps no corpus), and as a corpus with -runs=0 and the harness's
#     .options (libFuzzer reads them into its corpus), and libFuzzer's own rate over a 10 s run
#     from the seeds (differential: -max_len=370; the median of seeds 1, 2 and 3: one run's rate
#     depends on the inputs its seed leads to, by 10-20 %), and the rate of a process past its start: the
#     inputs twelve times over against three times over (under ASan a young process spends about
#     a quarter of its CPU time in the kernel, faulting in fresh pages until the allocator's
#     256 MB quarantine recycles; a campaign's jobs run long past that); callgrind's instructions
#     per execution of the fuzz-fast differential harness on 200 of the inputs, and the share of
#     them spent in the sanitizer-coverage callbacks (__sanitizer_cov_*), and its heap
#     allocations per execution;
#  2. for every z-variant, the seconds from an empty corpus to the first distinguishing finding
#     on one core (the harness aborts on it), and from the seeds without corpus/variants and
#     corpus/findings, and from an empty corpus with the operation-level custom mutator
#     (differential_opmut); RUNS runs each (seeds 1..RUNS), at most LIMIT s each; the finding's
#     length after `iovacheck fuzz-replay --minimize` (the shared minimizer). LIMIT is CPU
#     seconds (prlimit --cpu). Times are the
#     harness's CPU seconds (user + sys: what one core spends, whatever else loads the machine)
#     and wall seconds; "median execs" is libFuzzer's count of executions at the finding, which
#     the machine's load leaves alone (a change to the search shows there first).
# usage: tools/measure-fuzz.sh [RUNS] [LIMIT]    (default 5 runs, 60 s)
#   MODES="empty seeded opmut" (default) and VARIANTS="z1-max32-reset ..." (default every
#   z-variant) narrow part 2; SKIP_RATES=1 skips part 1.
# Needs build/fuzz (cmake --preset fuzz), build/fuzz-fast and build/release's iovacheck ($IOVACHECK).
# FUZZ_BUILD=DIR takes part 2's harnesses from another ASan build (another configuration).
# The scratch folder comes from mktemp, in $TMPDIR: the 10 s runs write each input they keep
# there (about 2,000 files in a differential run), so a slow file system shows in libFuzzer's own
# rate (on this project's VM, ext4 took about 1 ms a file); TMPDIR=/dev/shm leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
limit=${2:-60}
cli=${IOVACHECK:-build/release/cli/iovacheck}  # any build without sanitizers
fuzz_build=${FUZZ_BUILD:-build/fuzz}
for needed in build/fuzz/fuzz/differential build/fuzz-fast/fuzz/differential "$fuzz_build/fuzz/differential" "$cli"; do
  [ -x "$needed" ] || { echo "measure-fuzz: $needed missing (build the fuzz, fuzz-fast and release presets)" >&2; exit 2; }
done
# A harness's [libfuzzer] settings (fuzz/NAME.options) appended to options, as the campaign
# passes them.
read_options() {
  while IFS= read -r line; do
    [[ $line =~ ^([a-z_]+)\ *=\ *(.*)$ ]] && options+=("-${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
  done <"$1"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -n | tail -1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# Every variant but z4, whose stale read ASan reports as a use-after-free by design (a variant
# line is its name and two spaces; the list of fixes below them has one).
no_z4=$("$cli" variants | awk '/^[a-z0-9-]+  / && $1 != "z4-stale-cached32" {printf "%s%s", sep, $1; sep=","}')

if [ -z "${SKIP_RATES:-}" ]; then
python3 - "$scratch/fixed" <<'PY'
import os, random, sys
random.seed(1)
os.makedirs(sys.argv[1])
for i in range(2000):
    with open(os.path.join(sys.argv[1], "%04d" % i), "wb") as f:
        f.write(bytes(random.getrandbits(8) for _ in range(10 + 30 * 12)))
PY

echo "== executions per CPU second ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the start: a shared machine)"
printf "%-14s %-10s %14s %14s %16s %14s\n" harness build "each once" "-runs=0" "libFuzzer 10 s" "past the start"
per_cpu_second() { awk -v n="$1" '{ printf "%.0f", n / ($2 + $3) }' "$scratch/time"; }
cpu_seconds() { awk '{ print $2 + $3 }' "$scratch/time"; }
twelve_times=()
for _ in $(seq 12); do twelve_times+=("$scratch"/fixed/*); done
for build in fuzz fuzz-fast; do
  for harness in differential trace_parser; do
    binary=build/$build/fuzz/$harness
    options=()
    [ -f "fuzz/$harness.options" ] && read_options "fuzz/$harness.options"
    IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 /usr/bin/time -f "%e %U %S" -o "$scratch/time" \
      "$binary" "$scratch"/fixed/* "$scratch"/fixed/* "$scratch"/fixed/* >/dev/null 2>&1
    alone=$(per_cpu_second 6000)
    three_times=$(cpu_seconds)
    IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 /usr/bin/time -f "%e %U %S" -o "$scratch/time" \
      "$binary" "${twelve_times[@]}" >/dev/null 2>&1
    started=$(awk -v before="$three_times" '{ printf "%.0f", 18000 / ($2 + $3 - before) }' "$scratch/time")
    IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 /usr/bin/time -f "%e %U %S" -o "$scratch/time" \
      "$binary" -runs=0 "${options[@]}" "$scratch/fixed" >/dev/null 2>&1
    corpus=$(per_cpu_second 2000)
    extra=("${options[@]}")
    [ "$harness" = differential ] && extra+=(-max_len=370)
    [ "$harness" = trace_parser ] && extra+=(-dict=fuzz/trace_parser.dict)
    own=()
    for seed in 1 2 3; do
      mkdir -p "$scratch/run-$build-$harness-$seed"
      IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 /usr/bin/time -f "%e %U %S" -o "$scratch/time" \
        "$binary" -seed="$seed" -max_total_time=10 -print_final_stats=1 "${extra[@]}" \
        "$scratch/run-$build-$harness-$seed" "corpus/fuzz/$harness" >"$scratch/log" 2>&1 || true
      executed=$(awk '/^stat::number_of_executed_units/ {print $2}' "$scratch/log")
      own+=("$(per_cpu_second "${executed:-0}")")
    done
    printf "%-14s %-10s %14s %14s %16s %14s   (libFuzzer, seeds 1-3: %s)\n" "$harness" "$build" "$alone" "$corpus" \
      "$(printf '%s\n' "${own[@]}" | median)" "$started" "${own[*]}"
  done
done

# The same fixed inputs under callgrind (no sanitizers: valgrind cannot run ASan builds):
# instructions per execution of LLVMFuzzerTestOneInput, a figure the machine's load leaves alone.
if command -v valgrind >/dev/null; then
  IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 valgrind --tool=callgrind --callgrind-out-file="$scratch/cg" \
    build/fuzz-fast/fuzz/differential "$scratch"/fixed/0[01]* >/dev/null 2>&1
  callgrind_annotate --inclusive=yes "$scratch/cg" 2>/dev/null | awk -v n=200 '
    /LLVMFuzzerTestOneInput/ && !run { gsub(",", "", $1); run = $1 }
    /[?]:__sanitizer_cov_/ { gsub(",", "", $1); coverage += $1 }
    END { printf "differential, fuzz-fast, fixed 30 ops: %.0f instructions per execution (callgrind, %d inputs), %.0f %% of them in sanitizer-coverage callbacks\n", run / n, n, 100 * coverage / run }'
  # Heap allocations per execution (each one costs a 30-frame stack capture under ASan): calls
  # of malloc inside LLVMFuzzerTestOneInput, 400 inputs less 200, so that what the first
  # executions set up once (tables, names) is left out.
  malloc_calls() {
    IOVACHECK_FUZZ_VARIANTS=$no_z4 IOVACHECK_FUZZ_KEEP_GOING=1 valgrind --tool=callgrind --collect-atstart=no \
      --toggle-collect=LLVMFuzzerTestOneInput --compress-strings=no --callgrind-out-file="$scratch/cg-malloc" \
      build/fuzz-fast/fuzz/differential "$@" >/dev/null 2>&1
    awk '/^cfn=/ { in_malloc = ($0 == "cfn=malloc") } /^calls=/ && in_malloc { split($1, c, "="); calls += c[2] } END { print calls + 0 }' \
      "$scratch/cg-malloc"
  }
  first=$(malloc_calls "$scratch"/fixed/0[01]*)
  both=$(malloc_calls "$scratch"/fixed/0[0-3]*)
  echo "differential, fuzz-fast, fixed 30 ops: $(awk -v a="$first" -v b="$both" 'BEGIN { printf "%.1f", (b - a) / 200 }') heap allocations per execution (callgrind's malloc calls, inputs 200-399)"
fi

fi

# The differential harness's [libfuzzer] settings, as the campaign passes them.
options=()
read_options fuzz/differential.options


mkdir -p "$scratch/seeds"
for seed in corpus/fuzz/differential/*; do
  case $(basename "$seed") in variants.* | findings.*) ;; *) cp "$seed" "$scratch/seeds/" ;; esac
done

echo
echo "== time to the first distinguishing finding, one core, ASan+UBSan build ($fuzz_build), $runs runs, limit $limit CPU s"
echo "   seeded: $(ls "$scratch/seeds" | wc -l) seeds from corpus/ without corpus/variants and corpus/findings"
printf "%-24s %-7s %6s %12s %9s %11s %10s %12s %10s  %s\n" variant corpus found "median cpu s" "max cpu s" "median wall" "max wall" "median execs" "min. len" "what"
for variant in ${VARIANTS:-$("$cli" variants | awk '/^z[0-9]/ {print $1}')}; do
  for mode in ${MODES:-empty seeded opmut}; do
    : >"$scratch/times"; : >"$scratch/cpu"; : >"$scratch/lengths"; : >"$scratch/execs"; found=0; kinds=""
    for run in $(seq 1 "$runs"); do
      dir="$scratch/ttf-$variant-$mode-$run"
      mkdir -p "$dir/corpus" "$dir/crash"
      dirs=("$dir/corpus")
      [ "$mode" = seeded ] && dirs+=("$scratch/seeds")
      harness=$fuzz_build/fuzz/differential
      [ "$mode" = opmut ] && harness=$fuzz_build/fuzz/differential_opmut
      # LIMIT is CPU seconds (RLIMIT_CPU), so that a loaded machine does not cut runs short.
      IOVACHECK_FUZZ_VARIANTS=$variant /usr/bin/time -f "%e %U %S" -o "$dir/time" prlimit --cpu="$limit" "$harness" \
        -seed="$run" -max_total_time=$((limit * 30)) -print_final_stats=1 "${options[@]}" -artifact_prefix="$dir/crash/" "${dirs[@]}" >"$dir/log" 2>&1 || true
      crash=$(ls "$dir/crash" 2>/dev/null | head -1)
      [ -n "$crash" ] || continue
      found=$((found + 1))
      tail -1 "$dir/time" | awk '{ printf "%.2f\n", $1 }' >>"$scratch/times"
      tail -1 "$dir/time" | awk '{ printf "%.2f\n", $2 + $3 }' >>"$scratch/cpu"
      awk '/^stat::number_of_executed_units/ { print $2 }' "$dir/log" >>"$scratch/execs"
      if grep -q "^iovacheck finding:" "$dir/log"; then
        kinds="$kinds $(grep -m1 '^iovacheck finding:' "$dir/log" | sed 's/.*\.//' || true)"
        "$cli" fuzz-replay --quiet --minimize --variant "$variant" "$dir/crash/$crash" |
          awk '/minimized from/ { print $(NF - 1) }' >>"$scratch/lengths" || true  # exit 1: the violation
      else
        kinds="$kinds $(grep -m1 -oE 'SUMMARY: [A-Za-z]+: [a-z-]+' "$dir/log" | sed 's/SUMMARY: //; s/: /:/' || echo other)"
      fi
    done
    printf "%-24s %-7s %3d/%-2d %12s %9s %11s %10s %12s %10s  %s\n" "$variant" "$mode" "$found" "$runs" "$(median <"$scratch/cpu")" \
      "$(maximum <"$scratch/cpu")" "$(median <"$scratch/times")" "$(maximum <"$scratch/times")" "$(median <"$scratch/execs")" "$(median <"$scratch/lengths")" "$(echo $kinds | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
  done
done
