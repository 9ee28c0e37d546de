#!/bin/bash
# verify measures coverage on the fuzz-coverage build when there is one: the property and log
# engines run on its CLI, and the report gives their line and branch figures and an HTML view.
# Skipped (exit 77), saying why, when that build is absent.
# usage: verify-coverage.sh IOVACHECK CORPUS COVERAGE_BUILD OUT
set -uo pipefail
binary=$1 corpus=$2 build=$3 out=$4
fail() { echo "verify-coverage: $*" >&2; exit 1; }
if [ ! -x "$build/cli/iovacheck" ]; then
  echo "skipped: no coverage build at $build (cmake --preset fuzz-coverage && cmake --build --preset fuzz-coverage --target iovacheck fuzz_differential)"
  exit 77
fi
rm -rf "$out"
"$binary" verify --corpus "$corpus" --variants z1 --engines props,logs --budget 2 --coverage-build "$build" \
  --out "$out" >"$out.stdout" 2>&1
status=$?
cat "$out.stdout"
[ "$status" -eq 0 ] || fail "exit $status, expected 0"
grep -q '"coverage": {"measured": true' "$out/report.json" || fail "report.json does not say coverage was measured"
for scope in corpus props logs all; do
  grep -Eq "\{\"scope\": \"$scope\", \"lines_percent\": [1-9][0-9]*\.[0-9]+, \"branches_percent\": [1-9][0-9]*\.[0-9]+" \
    "$out/report.json" || fail "no line and branch figures for $scope"
done
grep -q '^coverage of model/ and impl/ by all engines: lines [0-9]* %, branches [0-9]* %' "$out.stdout" ||
  fail "the summary lacks the coverage line"
[ -s "$out/runs/coverage/html/index.html" ] || fail "no line-by-line HTML view"
echo "verify-coverage: ok"
