#!/bin/bash
# verify --fail-on-new on a genuinely new finding: a mutant build of the CLI (tests/mutants/
# CMakeLists.txt: mutant 08, a free straddling dma32 no longer resets the estimate) carries a bug
# no fix of docs/findings.md explains. The property engine finds it on mainline past the known
# findings; the finding is new, so --fail-on-new exits 1, and without it the run exits 0. Its
# counterexample violates on the mutant and not on the real build, so it is the mutant's bug, not
# a known finding nor a defect of the check (the real build's exit 0 with --fail-on-new is
# cli.verify.fail_on_new). Seed 0's 2000 cases find it at case 1666. The corpus is empty, so no corpus regression (the mutant breaks
# corpus/mainline/max32-reset-straddling.trace) can be what exits 1.
# usage: verify-fail-on-new.sh MUTANT IOVACHECK MUTANT_STATUS OUT
set -uo pipefail
mutant=$1
iovacheck=$2
status_file=$3
out=$4
fail() { echo "verify-fail-on-new: $*" >&2; exit 1; }
[ "$(cat "$status_file")" = applied ] || fail "the mutant build is not mutated: $(cat "$status_file")"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
rm -rf "$out"
run() {  # run BINARY NAME [OPTIONS...]: verify's props engine on mainline; sets status, output in $out/NAME.out
  local binary=$1 name=$2
  shift 2
  "$binary" verify --corpus "$corpus" --engines props --variants mainline --budget 2 --jobs 1 --seed 0 --no-coverage \
    --out "$out/$name" "$@" >"$out/$name.out" 2>"$out/$name.err" </dev/null
  status=$?
  cat "$out/$name.out"
}
mkdir -p "$out"

run "$mutant" fail-on-new --fail-on-new
[ "$status" -eq 1 ] || fail "mutant, --fail-on-new: exit $status, expected 1"
grep -Eq "^mainline +as annotated +completeness \([0-9]+ ops?, new\)$" "$out/fail-on-new.out" ||
  fail "mutant: the matrix shows no new completeness finding on mainline"
grep -Eq "^  N1 +NEW +completeness on mainline" "$out/fail-on-new.out" || fail "mutant: no NEW finding listed"
grep -q '"new_findings": 1' "$out/fail-on-new/report.json" || fail "mutant: report.json does not count one new finding"

trace=$out/fail-on-new/runs/mainline/props/props.trace
[ -s "$trace" ] || fail "no counterexample at $trace"
grep -q "^domain .*variant=mainline+f1+f2+f3+f4+f5+f9" "$trace" || fail "the counterexample does not name the fixes applied"
"$mutant" replay --quiet "$trace" >"$out/replay-mutant.out" 2>&1
[ $? -eq 1 ] || fail "the counterexample does not violate on the mutant"
"$iovacheck" replay --quiet "$trace" >"$out/replay-real.out" 2>&1
[ $? -eq 0 ] || { cat "$out/replay-real.out"; fail "the counterexample violates on the real build too: not the mutant's bug"; }

run "$mutant" no-flag
[ "$status" -eq 0 ] || fail "mutant without --fail-on-new: exit $status, expected 0"
grep -q "^1 finding, 1 new" "$out/no-flag.out" || fail "mutant without --fail-on-new: the new finding is not reported"
echo "verify-fail-on-new: ok (exit 1 on the mutant's new finding, 0 without the flag)"
