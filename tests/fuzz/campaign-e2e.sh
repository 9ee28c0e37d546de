#!/bin/bash
# The campaign end to end on the harnesses fuzz.clusterfuzzlite built: a short run finds z5's
# distinguishing violation past the known findings (z5 with their fixes), counts the known
# findings z5 as named meets, and writes its reports; a run killed mid-way leaves only whole
# files; the next run resumes the corpora and keeps the findings; --no-known on mainline reports
# its known findings with their identity, which --fail-on-new does not count as new.
# usage: campaign-e2e.sh IOVACHECK FUZZ_BUILD
set -euo pipefail
iovacheck=$1
fuzz_build=$2
out=$(mktemp -d)
logs=$(mktemp -d)
trap 'rm -rf "$out" "$logs"' EXIT
fail() { echo "campaign-e2e: $*" >&2; exit 1; }
run() { "$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out" "$@"; }

run --runs 1000 --jobs 2 --variants z5-no-underflow-guard >"$logs/stdout" 2>"$logs/stderr" ||
  { cat "$logs/stdout" "$logs/stderr"; fail "first run exited $?"; }
cat "$logs/stdout"
for report in report.json report.md junit.xml; do [ -s "$out/$report" ] || fail "no $report"; done
z5=z5-no-underflow-guard+f1+f2+f3+f4+f5+f9  # z5 with the fixes of its known findings
ls "$out/findings/$z5"-*.trace >/dev/null 2>&1 || fail "no finding on $z5"
grep -q "\"harness\": \"differential\", \"variant\": \"$z5\"" "$out/report.json" || fail "report.json has no $z5 job"
grep -q '"known_met": {"variant": "z5-no-underflow-guard", "inputs": [1-9]' "$out/report.json" ||
  fail "report.json does not count the known findings met on z5 as named"
grep "^known findings met on z5-no-underflow-guard (" "$logs/stdout" | grep -Fq "corpus inputs of differential.$z5): " ||
  fail "the summary does not count the known findings met"
grep -q "^## Known findings met" "$out/report.md" || fail "report.md has no known findings section"
grep -q '<property name="known_findings" value="searched past the known findings' "$out/junit.xml" ||
  fail "junit.xml does not say the fixes were applied"
grep -q '<testsuite name="iovacheck-campaign"' "$out/junit.xml" || fail "junit.xml malformed"
for finding in "$out"/findings/*.trace; do
  "$iovacheck" replay --quiet "$finding" >/dev/null && fail "$finding does not violate"
done
findings=$(ls "$out/findings" | wc -l)
corpus=$(ls "$out/corpus/differential.$z5" | wc -l)
[ "$corpus" -gt 0 ] || fail "empty corpus after the run"

# Killed outright mid-run (SIGKILL, once its libFuzzer job and that job's fork-mode worker are
# running): no process of the campaign survives it (each job's supervisor kills its process
# group when the campaign dies), and the next run resumes.
"$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out" --minutes 1 \
  --variants z5-no-underflow-guard --harnesses differential >/dev/null 2>&1 &
campaign=$!
# Seen once is enough: fork-mode workers come and go (each finding restarts one), so a second
# count could miss the worker that was running a moment before.
both_seen=no
for _ in $(seq 1 100); do
  [ "$(pgrep -f -- "-artifact_prefix=$out/" | wc -l)" -ge 2 ] && { both_seen=yes; break; }
  sleep 0.2
done
[ "$both_seen" = yes ] || fail "SIGKILL: the job and its worker never ran"
kill -9 "$campaign"
wait "$campaign" 2>/dev/null || true
for _ in $(seq 1 25); do
  pgrep -f -- "$out" >/dev/null || break
  sleep 0.2
done
if pgrep -f -- "$out" >/dev/null; then
  pgrep -af -- "$out" >&2
  kill -9 $(pgrep -f -- "$out") 2>/dev/null || true
  fail "SIGKILL: processes of the killed campaign survive it"
fi
# SIGTERM: the campaign stops its jobs and exits 130, saying the next run resumes.
"$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out" --minutes 1 \
  --variants z5-no-underflow-guard --harnesses differential >/dev/null 2>"$logs/terminated" &
campaign=$!
sleep 2
kill -TERM "$campaign"
status=0
wait "$campaign" || status=$?
[ "$status" -eq 130 ] || fail "SIGTERM: exit $status, expected 130"
grep -q "stopped by a signal; the next run resumes" "$logs/terminated" || fail "SIGTERM: no message"

run --runs 300 --variants z5-no-underflow-guard --harnesses differential >"$logs/stdout" 2>"$logs/stderr" ||
  { cat "$logs/stdout" "$logs/stderr"; fail "resumed run exited $?"; }
[ "$(ls "$out/findings" | grep -c '\.trace$')" -ge "$(echo "$findings")" ] || fail "findings lost on resume"
[ "$(ls "$out/corpus/differential.$z5" | wc -l)" -gt 0 ] || fail "corpus lost on resume"
grep -q "NEW\|known" "$logs/stdout" || fail "resumed run lists no findings"

# --no-known: mainline as named; its seeds show its known findings at once, each a finding with
# its identity ("known as FN"). Not --fail-on-new: an input may meet F3 after a reserve that
# mainline+f3 places differently, which the rule for known cannot name (docs/findings.md).
rm -rf "$out/as-named"
"$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out/as-named" --runs 300 \
  --variants mainline --harnesses differential --no-known >"$logs/as-named" 2>&1 ||
  { cat "$logs/as-named"; fail "--no-known: exit $?"; }
for finding in "$out/as-named/findings/"mainline-*.trace; do
  grep -Eq "^# status: (known as [A-Za-z0-9]+|new)$" "$finding" || fail "--no-known: $finding does not say its identity"
done
grep -q "^campaign on impl: the variants as named (--no-known)" "$logs/as-named" || fail "--no-known: the summary does not say so"
grep -Eq "^known .*/findings/mainline-[a-z-]+-[0-9a-f]+\.trace" "$logs/as-named" || fail "--no-known: no known finding on mainline"
grep -q "^# status: known as F[0-9]" "$out/as-named/findings/"mainline-*.trace || fail "--no-known: no finding says its identity"
grep -q '"known_met": null' "$out/as-named/report.json" || fail "--no-known: known findings counted as if fixes were applied"

# --profile scale: a few runs keep a corpus of their own, the reports and the summary name the
# profile, and fuzz-replay reads a corpus input as scale by its location (10^4 operations and up).
# Ten runs, not three: a scale input takes up to a second under load, and libFuzzer's first fork
# jobs get one, two, ... seconds each, so three runs could end before any mutant added coverage.
scale_variant=mainline+f1+f2+f3+f4+f5+f9
"$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out/scale" --runs 10 --profile scale \
  --variants "$scale_variant" >"$logs/scale" 2>&1 || { cat "$logs/scale"; fail "--profile scale: exit $?"; }
grep -q "^campaign on impl, profile scale: " "$logs/scale" || { cat "$logs/scale"; fail "--profile scale: the summary does not name it"; }
grep -q '"profile": "scale"' "$out/scale/report.json" || fail "--profile scale: report.json does not name it"
[ ! -e "$out/scale/corpus/trace_parser" ] || fail "--profile scale ran a harness without a scale form"
# The smallest input: a short header reads as zeros, the shortest trace (10,000 operations).
scale_input=$(find "$out/scale/corpus/differential-scale.$scale_variant" -type f -printf '%s %p\n' | sort -n | head -n 1 | cut -d' ' -f2-)
[ -n "$scale_input" ] || fail "--profile scale: no corpus of its own"
"$iovacheck" fuzz-replay --variant "$scale_variant" "$scale_input" >"$logs/scale-replay" ||
  { tail -n 20 "$logs/scale-replay"; fail "--profile scale: $scale_input does not replay"; }
grep -q "decoded (profile scale):" "$logs/scale-replay" || fail "fuzz-replay did not read $scale_input as scale"
steps=$(grep -Eo 'ok, [0-9]+ steps hold' "$logs/scale-replay" | grep -Eo '[0-9]+')
[ "$steps" -ge 10000 ] || fail "--profile scale: $steps steps, expected 10^4 and more"
echo "campaign-e2e: the scale profile ran ($steps steps replayed)"

# --impl kernel and --against kernel (when the fuzz build has kernel 6.12): the harness runs the
# real iova.c, the reports name it and count the inputs it refused.
if grep -q $'^6.12\t[^\t]*\t/' "$fuzz_build/kernel/kernels.txt" 2>/dev/null &&
   cmake --build "$fuzz_build" --target iovacheck_kernels >"$logs/kernels" 2>&1; then
  for mode in "--impl kernel" "--against kernel --variants mainline"; do
    rm -rf "$out/kernel"
    # shellcheck disable=SC2086
    "$iovacheck" campaign --fuzz-build "$fuzz_build" --coverage-build /nonexistent --out "$out/kernel" --runs 300 \
      --harnesses differential $mode >"$logs/kernel" 2>&1 || { cat "$logs/kernel"; fail "$mode: exit $?"; }
    # --impl kernel searches past the kernel's known findings with its own fixes (kernel:6.12.117+f10).
    grep -Eq "^campaign on (impl vs )?kernel:6\.12\.[0-9]+(\+f[0-9]+)*, profile ordinary: skipped [0-9]+ inputs the implementation refused" "$logs/kernel" ||
      { cat "$logs/kernel"; fail "$mode: the summary does not name the kernel"; }
    grep -Eq '"implementation": "(impl vs )?kernel:6\.12\.[0-9]+(\+f[0-9]+)*"' "$out/kernel/report.json" || fail "$mode: report.json does not name the kernel"
  done
  echo "campaign-e2e: the kernel runs name kernel:6.12"
fi
echo "campaign-e2e: ok ($findings findings, corpus $corpus inputs, resumed)"
