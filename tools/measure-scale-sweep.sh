#!/bin/bash
# Random inputs of the scale byte form (docs/fuzz.md), 10^4 to 2 x 10^4 operations each (length
# byte below 60), replayed on mainline and the range-cache z-variants, each with its known fixes:
# how many inputs violate, and the first violation of each. Unguided: what driver-shaped
# workloads at the real geometry meet without a fuzzer's feedback.
# usage: measure-scale-sweep.sh IOVACHECK [INPUTS] [SEED]
set -euo pipefail
cli=${1:?usage: measure-scale-sweep.sh IOVACHECK [INPUTS] [SEED]}
inputs=${2:-40}
RANDOM=${3:-1}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in $(seq 1 "$inputs"); do
  for _ in $(seq 1 1000); do printf "\\x$(printf '%02x' $((RANDOM % 256)))"; done >"$dir/in.$i"
  printf "\\x$(printf '%02x' $((RANDOM % 60)))" | dd of="$dir/in.$i" bs=1 seek=2 conv=notrunc status=none
done
for variant in mainline+f1+f2+f3+f4+f5+f9 z1-max32-reset+f1+f2+f3+f4+f5+f9 z6-rcache-bound+f1+f2+f3+f4+f9 \
               z8-flush-cpu-only+f1+f2+f3+f4+f5+f9 z9-capped-depot+f1+f2+f3+f4+f5+f9; do
  violating=0
  held=0
  for i in $(seq 1 "$inputs"); do
    out=$("$cli" fuzz-replay --profile scale --quiet --variant "$variant" "$dir/in.$i" 2>&1 || true)
    if steps=$(grep -Eo '[0-9]+ steps hold' <<<"$out" | grep -Eo '^[0-9]+'); then
      held=$((held + steps))
    else
      violating=$((violating + 1))
      echo "$variant input $i: $(grep -m1 'violation:' <<<"$out" | sed 's/^[^:]*:/step line /' | cut -c1-150)"
    fi
  done
  echo "$variant: $violating of $inputs inputs violate; $held steps of the others hold"
done
