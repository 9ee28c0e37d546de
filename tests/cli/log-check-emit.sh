#!/bin/bash
# log-check --emit-trace writes the seed's complete dump as a snapshot trace with the failed
# request; replaying it on mainline reports the completeness violation the stale estimate causes,
# and the trace's snapshot holds the dump's hints.
# usage: log-check-emit.sh IOVACHECK LOG
set -uo pipefail
iovacheck=$1
log=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$iovacheck" log-check "$log" --emit-trace "$scratch/dump.trace" >/dev/null
status=$?
[ "$status" -eq 1 ] || { echo "log-check exited $status, expected 1" >&2; exit 1; }
cat "$scratch/dump.trace"
for line in "^cached32 0xf3500$" "^cached anchor$" "^max32 0x731f$" "^node 0x6c800 0x70fe1$" "^node 0xebc00 0xebfff$" \
            "^fast 0x731f limit=0xfffff$"; do
  grep -qE "$line" "$scratch/dump.trace" || { echo "the trace lacks '$line'" >&2; exit 1; }
done
[ "$(grep -c '^node ' "$scratch/dump.trace")" -eq 40 ] || { echo "the trace does not hold 40 nodes" >&2; exit 1; }
"$iovacheck" replay --quiet "$scratch/dump.trace" >"$scratch/replay.out"
status=$?
cat "$scratch/replay.out"
[ "$status" -eq 1 ] || { echo "replay exited $status, expected 1" >&2; exit 1; }
grep -q "violation: completeness" "$scratch/replay.out" || { echo "replay reports no completeness violation" >&2; exit 1; }

# --emit-history: the earlier dump completed with stand-ins, the flush's 300 frees, the retry.
# Replayed, it holds on mainline (the retry succeeds) and violates completeness on z1 at the retry.
"$iovacheck" log-check "$log" --emit-history "$scratch/history.trace" >/dev/null
[ "$(grep -c '^free ' "$scratch/history.trace")" -eq 300 ] || { echo "the history does not free 300 ranges" >&2; exit 1; }
grep -qE "^alloc 0x731f limit=0xfffff$" "$scratch/history.trace" || { echo "the history lacks the retry" >&2; exit 1; }
"$iovacheck" replay --quiet "$scratch/history.trace" >"$scratch/mainline.out"
status=$?
cat "$scratch/mainline.out"
[ "$status" -eq 0 ] || { echo "the history on mainline exited $status, expected 0" >&2; exit 1; }
"$iovacheck" replay --quiet --variant z1-max32-reset "$scratch/history.trace" >"$scratch/z1.out"
status=$?
cat "$scratch/z1.out"
[ "$status" -eq 1 ] || { echo "the history on z1 exited $status, expected 1" >&2; exit 1; }
grep -q "violation: completeness — alloc failed: a fitting gap \[0xe0000, 0xe731e\]" "$scratch/z1.out" || { echo "z1's history shows no completeness violation" >&2; exit 1; }
