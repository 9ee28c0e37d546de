#!/bin/bash
# Streaming replay end to end: standard input, the line-length limit, a long prefix shown as a
# window naming the whole input, a parse error after a violation, --paranoid's verdict.
# usage: streaming.sh IOVACHECK CORPUS
set -uo pipefail
binary=$1
corpus=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT FILE PATTERN...
  local name=$1 expected=$2 actual=$3 file=$4
  shift 4
  if [ "$actual" -ne "$expected" ]; then echo "$name: exit $actual, expected $expected"; cat "$file"; failed=1; fi
  for pattern in "$@"; do
    if ! grep -qE -- "$pattern" "$file"; then echo "$name: no match for '$pattern'"; cat "$file"; failed=1; fi
  done
}

"$binary" replay - <"$corpus/spec-example.trace" >"$scratch/out" 2>&1
check stdin 1 $? "$scratch/out" "^== <stdin> on z1-max32-reset" "^<stdin>:13: violation: completeness"

head -c 200000 /dev/zero | "$binary" replay - >"$scratch/out" 2>&1
check zeros 2 $? "$scratch/out" "^<stdin>:1:65537: error: expected a line of at most 65536 bytes"

# 300 harmless steps, then the spec example's violation on z1.
{
  echo "iova-trace 1"
  echo "domain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset"
  for i in $(seq 1 150); do echo "a$i: alloc 0x1 limit=0x3"; echo "free a$i"; done
  sed -n '/^alloc\|^free\|^[a-z0-9]*:/p' "$corpus/spec-example.trace"
} >"$scratch/long.trace"
"$binary" replay --quiet "$scratch/long.trace" >"$scratch/out" 2>&1
check window 1 $? "$scratch/out" "the last 40 steps of the failing prefix" \
  "# [0-9]+ earlier steps not shown; the whole trace up to line [0-9]+ is in .*long\\.trace" "violation: completeness"

"$binary" replay --quiet - <"$scratch/long.trace" >"$scratch/out" 2>&1
check window_stdin 1 $? "$scratch/out" "the whole trace up to line [0-9]+ is in /tmp/iovacheck-stdin-"
spool=$(grep -oE "/tmp/iovacheck-stdin-[A-Za-z0-9]+" "$scratch/out" | head -n 1)
if ! cmp -s "$spool" "$scratch/long.trace"; then echo "window_stdin: the spool is not the whole input"; failed=1; fi
rm -f "$spool"

"$binary" replay --quiet --paranoid "$scratch/long.trace" >"$scratch/paranoid" 2>&1
grep "violation:" "$scratch/out" | head -n 1 >"$scratch/fast_verdict"
grep "violation:" "$scratch/paranoid" | head -n 1 | sed 's/^[^:]*:/<stdin>:/' >"$scratch/paranoid_verdict"
if ! cmp -s "$scratch/fast_verdict" "$scratch/paranoid_verdict"; then
  echo "paranoid: another verdict"; cat "$scratch/fast_verdict" "$scratch/paranoid_verdict"; failed=1
fi

{ cat "$scratch/long.trace"; echo "alloc 0x1 limit="; } >"$scratch/bad-tail.trace"
"$binary" replay --quiet "$scratch/bad-tail.trace" >"$scratch/out" 2>&1
check bad_tail 2 $? "$scratch/out" "bad-tail\\.trace:[0-9]+:[0-9]+: error: "
if grep -q "violation" "$scratch/out"; then echo "bad_tail: a verdict from a trace that does not parse"; failed=1; fi

exit $failed
