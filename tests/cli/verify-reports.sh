#!/bin/bash
# verify's three reports: written, consistent with each other, and the HTML self-contained.
# usage: verify-reports.sh IOVACHECK CORPUS OUT
set -uo pipefail
binary=$1 corpus=$2 out=$3
rm -rf "$out"
"$binary" verify --corpus "$corpus" --variants mainline,z1 --budget 4 --seed 3 --no-coverage --out "$out" >"$out.stdout" 2>&1
status=$?
cat "$out.stdout"
fail() { echo "verify-reports: $*" >&2; exit 1; }
[ "$status" -eq 0 ] || fail "exit $status, expected 0"
for file in report.json report.md report.html; do [ -s "$out/$file" ] || fail "$file missing or empty"; done
ls "$out"/*.partial 2>/dev/null && fail "a temporary file was left behind"
grep -q '"corpus_as_annotated": true' "$out/report.json" || fail "report.json does not say the corpus behaved"
grep -q '"variant": "z1-max32-reset", "engine": "props", "verdict": "violation"' "$out/report.json" ||
  fail "report.json lacks z1's property-engine violation"
grep -q '^| z1-max32-reset | as annotated | completeness (' "$out/report.md" || fail "report.md lacks z1's row"
grep -q '^iova-trace 1$' "$out/report.md" || fail "report.md lacks the counterexample trace"
grep -q '<table id="matrix">' "$out/report.html" || fail "report.html lacks the matrix"
# When each engine first found a violation: the property engine's own search time on z1, not its run.
grep -Eq '"engine": "props", "runs": 2, "runs_finding": [12], "earliest_seconds": [0-9.]+, "earliest_variant": "' \
  "$out/report.json" || fail "report.json lacks the property engine's time to first finding"
grep -Eq '^\| props \| [0-9.]+ s \(' "$out/report.md" || fail "report.md lacks the time to first finding"
grep -q '^time to first finding: props [0-9.]* s' "$out.stdout" || fail "the summary lacks the time to first finding"
# Coverage: not asked for, and the reports say so rather than show a figure.
grep -q '^Coverage not measured: not asked for (--no-coverage)\.$' "$out/report.md" || fail "report.md does not say coverage was not measured"
grep -q '"coverage": {"measured": false' "$out/report.json" || fail "report.json claims coverage"
grep -Eq '(src|href)="https?:' "$out/report.html" && fail "report.html loads something from the network"
# Every counterexample in the report replays and violates on its variant.
awk '/^```$/{inside=!inside; if(!inside) n++; next} inside{print > (dir "/finding-" n ".trace")}' dir="$out" "$out/report.md"
for trace in "$out"/finding-*.trace; do
  "$binary" replay --quiet "$trace" >/dev/null; code=$?
  [ "$code" -eq 1 ] || fail "$trace does not replay to a violation (exit $code)"
done
echo "verify-reports: ok"
