#!/bin/bash
# The mutation test: applies each tests/mutants/NN-*.patch (a single-point mutant of impl/,
# classified in its header before anything was run) to one scratch copy of the repository,
# rebuilds, and runs
#   - `iovacheck check` on the mutant's variant with the default budget and seeds 1..SEEDS: the
#     mutant is killed when a counterexample it yields does not violate on the unmutated build
#     (replayed there), or when check reports a defect (exit 3) or crashes;
#   - on a mainline mutant, the exact differential against the real kernel, `iovacheck check
#     --variant mainline --against kernel:6.12` (its default 1000 generated traces, seed 0):
#     killed when its minimized difference does not differ on the unmutated build (replayed
#     there with --against), or on a defect or crash; other variants have no kernel: "n/a";
#   - ctest (the whole suite): killed when any test fails.
# The patch is reverted before the next. Prints one line per mutant and the kill rates by class.
# usage: tests/mutants/run.sh [SEEDS] [PATCH...]   (default 3, every patch); SCRATCH=dir keeps the copy
#   BUILD=DIR (with CTEST=0) skips the copy: each mutant is applied to this checkout itself and
#   the CLI rebuilt in DIR, an existing build of it (e.g. build/ci): no build from scratch, which
#   on a shared machine takes longer than the mutants. The checkout's impl/ is restored on exit.
#   KERNEL=kernel:6.12 (default) names the differential's kernel; CTEST=0 skips the ctest column,
#   CHECK=0 the check column.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
seeds=${1:-3}
shift || true
patches=("$@")
[ ${#patches[@]} -gt 0 ] || patches=("$repo"/tests/mutants/*.patch)
scratch=${SCRATCH:-$(mktemp -d)}
jobs=${JOBS:-2}
kernel=${KERNEL:-kernel:6.12}
# Without the ctest column only the CLI is needed: no test targets to relink per mutant.
target=()
tests_option=ON
if [ "${CTEST:-1}" = 0 ]; then target=(--target iovacheck); tests_option=OFF; fi

if [ -n "${BUILD:-}" ]; then
  [ "${CTEST:-1}" = 0 ] || { echo "run.sh: BUILD=DIR needs CTEST=0 (the tests would run on a mutated checkout)" >&2; exit 2; }
  [ -z "$(git -C "$repo" status --porcelain -- impl)" ] || { echo "run.sh: impl/ has uncommitted changes" >&2; exit 2; }
  build=$(cd "$BUILD" && pwd)
  mkdir -p "$scratch"
  ln -sfn "$repo" "$scratch/src"
  trap 'git -C "$repo" checkout -- impl' EXIT
  echo "mutation test: in place in $repo, build $build, seeds 1..$seeds" >&2
else
  echo "mutation test: scratch copy $scratch, seeds 1..$seeds" >&2
  mkdir -p "$scratch/src"
  (cd "$repo" && git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T -) | tar -xf - -C "$scratch/src"
  build="$scratch/build"
  cmake -S "$scratch/src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOVACHECK_BENCH=OFF \
    -DIOVACHECK_TESTS=$tests_option >/dev/null
fi
nice cmake --build "$build" -j"$jobs" "${target[@]}" >/dev/null
cp "$build/cli/iovacheck" "$scratch/original-iovacheck"
original="$scratch/original-iovacheck"

# Exit status of `iovacheck ARGS...` run on the mutant in the copy (never fails the script).
run_mutant() {
  set +e
  (cd "$scratch/src" && timeout 900 "$build/cli/iovacheck" "$@") >"$scratch/run.out" 2>&1
  local status=$?
  set -e
  return $status
}

# True when TRACE, replayed on the unmutated build with REPLAY-OPTIONS, runs clean there: what
# the mutant showed on it is the mutant's own doing.
clean_on_original() {
  local trace=$1
  shift
  "$original" replay --quiet "$@" "$trace" >/dev/null 2>&1
}

# killed|survived by check on VARIANT with seeds 1..SEEDS, with the reason.
check_verdict() {
  local variant=$1 seed status
  if [ "${CHECK:-1}" = 0 ]; then echo "not run"; return; fi
  local found=0
  for seed in $(seq 1 "$seeds"); do
    rm -f "$scratch/found.trace"
    status=0
    run_mutant check --variant "$variant" --seed "$seed" -o "$scratch/found.trace" || status=$?
    if [ "$status" -ge 2 ]; then echo "killed (seed $seed: exit $status)"; return; fi
    if [ "$status" -eq 1 ]; then
      found=$((found + 1))
      if clean_on_original "$scratch/found.trace"; then
        echo "killed (seed $seed: $(grep -m1 '^# violation:' "$scratch/found.trace" | cut -c3-90))"
        return
      fi
    fi
  done
  if [ "$found" -eq 0 ]; then echo "survived (passed on every seed)"; return; fi
  echo "survived ($found counterexamples, each also violates unmutated)"
}

# killed|survived by the exact differential of mainline against the real kernel.
kernel_verdict() {
  local variant=$1 status
  case "$variant" in mainline | mainline+*) ;; *) echo "n/a (no kernel runs $variant)"; return ;; esac
  rm -f "$scratch/diff.trace"
  status=0
  run_mutant check --variant "$variant" --against "$kernel" -o "$scratch/diff.trace" || status=$?
  if [ "$status" -eq 0 ]; then echo "survived"; return; fi
  if [ "$status" -ge 2 ]; then echo "killed (exit $status)"; return; fi
  if clean_on_original "$scratch/diff.trace" --against "$kernel"; then
    echo "killed ($(grep -m1 '^# difference:' "$scratch/diff.trace" | cut -c3-90))"
  else
    echo "survived (its difference also shows unmutated: $(grep -m1 '^# difference:' "$scratch/diff.trace" | cut -c15-70))"
  fi
}

ctest_verdict() {
  if [ "${CTEST:-1}" = 0 ]; then echo "not run"; return; fi
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
  if nice cmake --build "$build" -j"$jobs" "${target[@]}" >"$scratch/build.out" 2>&1; then
    check=$(check_verdict "$variant")
    differential=$(kernel_verdict "$variant")
    tests=$(ctest_verdict)
  else
    check="killed (does not build)"; differential="killed (does not build)"; tests="killed (does not build)"
  fi
  (cd "$scratch/src" && patch -p1 -R -s <"$patch")
  printf '%s\t%s\t%s\tcheck: %s\tctest: %s\tkernel: %s\n' "$name" "$class" "$variant" "$check" "$tests" "$differential" |
    tee -a "$results"
done
nice cmake --build "$build" -j"$jobs" "${target[@]}" >/dev/null  # the copy back to unmutated

echo
echo "kill rates (class: check alone, ctest; $kernel differential on mainline mutants):"
awk -F'\t' '
  { group = ($2 == "observable" || $2 == "equivalent") ? $2 : "soundness/completeness/model property"
    n[group]++; if ($4 ~ /^check: killed/) c[group]++; if ($5 ~ /^ctest: killed/) t[group]++; total++
    if ($4 ~ /^check: killed/) call++; if ($5 ~ /^ctest: killed/) tall++
    if ($6 !~ /^kernel: n\/a/) { k[group]++; kall++; if ($6 ~ /^kernel: killed/) { kk[group]++; kkall++ } } }
  END { for (g in n) printf "  %-40s %2d mutants: check %2d (%3.0f%%), ctest %2d (%3.0f%%), differential %d of %d mainline\n", g, n[g], c[g], 100 * c[g] / n[g], t[g], 100 * t[g] / n[g], kk[g], k[g]
        printf "  %-40s %2d mutants: check %2d (%3.0f%%), ctest %2d (%3.0f%%), differential %d of %d mainline\n", "all", total, call, 100 * call / total, tall, 100 * tall / total, kkall, kall }' "$results"
