#!/bin/bash
# The mutation test: applies each tests/mutants/NN-*.patch (a single-point mutant of impl/,
# classified in its header before anything was run) to one scratch copy of the repository,
# rebuilds, and runs
#   - `iovacheck check` on the mutant's variant with the default budget and seeds 1..SEEDS: the
#     mutant is killed when a counterexample it yields does not violate on the unmutated build
#     (replayed there), or when check reports a defect (exit 3) or crashes;
#   - ctest (the whole suite): killed when any test fails.
# The patch is reverted before the next. Prints one line per mutant and the kill rates by class.
# The exact differential against the real kernel (kernel:6.12) does not exist yet: no column.
# usage: tests/mutants/run.sh [SEEDS] [PATCH...]   (default 3, every patch); SCRATCH=dir keeps the copy
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seeds=${1:-3}
shift || true
patches=("$@")
[ ${#patches[@]} -gt 0 ] || patches=("$repo"/tests/mutants/*.patch)
scratch=${SCRATCH:-$(mktemp -d)}
jobs=${JOBS:-2}
echo "mutation test: scratch copy $scratch, seeds 1..$seeds" >&2

mkdir -p "$scratch/src"
(cd "$repo" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$scratch/src"
build="$scratch/build"
cmake -S "$scratch/src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOVACHECK_BENCH=OFF >/dev/null
nice cmake --build "$build" -j"$jobs" >/dev/null
cp "$build/cli/iovacheck" "$scratch/original-iovacheck"
original="$scratch/original-iovacheck"

# killed|survived by check on VARIANT with seeds 1..SEEDS, with the reason.
check_verdict() {
  local variant=$1 seed status
  for seed in $(seq 1 "$seeds"); do
    set +e
    (cd "$scratch/src" && timeout 900 "$build/cli/iovacheck" check --variant "$variant" --seed "$seed" -o "$scratch/found.trace") \
      >"$scratch/check.out" 2>&1
    status=$?
    set -e
    if [ "$status" -ge 2 ]; then echo "killed (seed $seed: exit $status)"; return; fi
    if [ "$status" -eq 1 ]; then
      set +e
      "$original" replay --quiet "$scratch/found.trace" >/dev/null 2>&1
      local on_original=$?
      set -e
      if [ "$on_original" -eq 0 ]; then
        echo "killed (seed $seed: $(grep -m1 '^# violation:' "$scratch/found.trace" | cut -c3-90))"
        return
      fi
    fi
  done
  echo "survived (every counterexample also violates unmutated: $(grep -m1 '^# violation:' "$scratch/found.trace" 2>/dev/null | cut -c14-60))"
}

ctest_verdict() {
  set +e
  (cd "$build" && ctest -j"$jobs" --timeout 300 >"$scratch/ctest.out" 2>&1)
  local status=$?
  set -e
  if [ "$status" -eq 0 ]; then echo "survived"; return; fi
  local failed
  failed=$(grep -c -E '\(Failed\)|\(Timeout\)|\(Subprocess aborted\)|\(SEGFAULT\)|\(Child aborted\)' "$scratch/ctest.out" || true)
  echo "killed ($failed tests failed, e.g. $(grep -m1 -E '^\s+[0-9]+ - ' "$scratch/ctest.out" | sed 's/^ *[0-9]* - //' | cut -c1-60))"
}

results="$scratch/results.tsv"
: >"$results"
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  class=$(sed -n 's/^Class: \([a-z-]*\).*/\1/p' "$patch")
  variant=$(sed -n 's/^Variant: //p' "$patch")
  (cd "$scratch/src" && patch -p1 -s <"$patch")
  if nice cmake --build "$build" -j"$jobs" >"$scratch/build.out" 2>&1; then
    check=$(check_verdict "$variant")
    tests=$(ctest_verdict)
  else
    check="killed (does not build)"; tests="killed (does not build)"
  fi
  (cd "$scratch/src" && patch -p1 -R -s <"$patch")
  printf '%s\t%s\t%s\tcheck: %s\tctest: %s\n' "$name" "$class" "$variant" "$check" "$tests" | tee -a "$results"
done
nice cmake --build "$build" -j"$jobs" >/dev/null  # the copy back to unmutated

echo
echo "kill rates (class: check alone, ctest):"
awk -F'\t' '
  { group = ($2 == "observable" || $2 == "equivalent") ? $2 : "soundness/completeness/model property"
    n[group]++; if ($4 ~ /^check: killed/) c[group]++; if ($5 ~ /^ctest: killed/) t[group]++; total++
    if ($4 ~ /^check: killed/) call++; if ($5 ~ /^ctest: killed/) tall++ }
  END { for (g in n) printf "  %-40s %2d mutants: check %2d (%3.0f%%), ctest %2d (%3.0f%%)\n", g, n[g], c[g], 100 * c[g] / n[g], t[g], 100 * t[g] / n[g]
        printf "  %-40s %2d mutants: check %2d (%3.0f%%), ctest %2d (%3.0f%%)\n", "all", total, call, 100 * call / total, tall, 100 * tall / total }' "$results"
echo "(kernel:6.12 exact differential: not available yet, no column)"
