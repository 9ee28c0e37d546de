#!/bin/bash
# verify --no-known: the engines search mainline as named, so the property engine stops at a
# known finding and reports it with its identity (FN), which is not new: --fail-on-new exits 0.
# Every report says the variants were searched as named; the default run says the opposite.
# usage: verify-no-known.sh IOVACHECK CORPUS OUT
set -uo pipefail
iovacheck=$1
corpus=$2
out=$3
fail() { echo "verify-no-known: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
"$iovacheck" verify --corpus "$corpus" --engines props --variants mainline --budget 4 --jobs 2 --seed 0 --no-coverage \
  --no-known --fail-on-new --out "$out/as-named" >"$out/as-named.out" 2>"$out/as-named.err" </dev/null
status=$?
cat "$out/as-named.out"
[ "$status" -eq 0 ] || fail "--no-known --fail-on-new: exit $status, expected 0 (a known finding is not new)"
grep -q "; variants as named$" "$out/as-named.out" || fail "the first line does not say the variants are searched as named"
grep -Eq "^mainline +as annotated +[a-z-]+ \([0-9]+ ops?, F[0-9]+\)$" "$out/as-named.out" ||
  fail "the matrix shows no known finding on mainline"
grep -q "Engines search each variant as named (--no-known)" "$out/as-named.out" || fail "the legend does not say --no-known"
grep -Eq "^1 finding, 0 new" "$out/as-named.out" || fail "expected one finding, not new"
grep -q '"past_known": false' "$out/as-named/report.json" || fail "report.json does not say past_known false"
grep -q "on mainline as named" "$out/as-named/report.json" || fail "report.json's bounds do not name the variant searched"
grep -q "^Known findings: the engines searched the variants as named (--no-known)" "$out/as-named/report.md" ||
  fail "report.md does not say --no-known"
grep -q "<p>Known findings: the engines searched the variants as named (--no-known)" "$out/as-named/report.html" ||
  fail "report.html does not say --no-known"
grep -q "^domain .*variant=mainline$" "$out/as-named/runs/mainline/props/props.trace" ||
  fail "the counterexample names fixes: the variant was not searched as named"

"$iovacheck" verify --corpus "$corpus" --engines props --variants mainline --budget 4 --jobs 2 --seed 0 --no-coverage \
  --out "$out/past-known" >"$out/past-known.out" 2>"$out/past-known.err" </dev/null
status=$?
[ "$status" -eq 0 ] || fail "default run: exit $status"
grep -q "; past the known findings$" "$out/past-known.out" || fail "the default run does not say it searches past the known findings"
grep -q '"past_known": true' "$out/past-known/report.json" || fail "report.json does not say past_known true"
grep -q "on mainline+f1+f2+f3+f4+f5+f9 (past the known findings)" "$out/past-known/report.json" ||
  fail "report.json's bounds do not name the fixes applied"
echo "verify-no-known: ok"
