#!/bin/bash
# The two engines of smt/ on the same alphabet and geometry must agree on the shortest
# distinguishing trace: the length `iovacheck explore` finds by enumeration equals the length
# `iovacheck prove` finds by BMC. usage: cross-check.sh IOVACHECK VARIANT REFERENCE DEPTH [geometry...]
set -uo pipefail
iovacheck=$1 variant=$2 reference=$3 depth=$4
shift 4
length() {  # the "shortest counterexample: N operations" of a run, or "none"
  local output
  output=$("$iovacheck" "$@")
  local status=$?
  echo "$output" >&2
  if [ $status -eq 0 ]; then echo none; return; fi
  if [ $status -ne 1 ]; then echo "error $status"; return; fi
  echo "$output" | sed -n 's/^shortest counterexample: \([0-9]*\) operations.*/\1/p'
}
explored=$(length explore --variant "$variant" --distinguish "$reference" --depth "$depth" "$@")
proved=$(length prove --variant "$variant" --distinguish "$reference" --depth "$depth" --timeout 900 "$@")
echo "explore: $explored, prove: $proved"
if [ "$explored" != "$proved" ] || [ -z "$explored" ] || [[ "$explored" == error* ]]; then
  echo "cross-check.sh: the engines disagree on $variant against $reference" >&2
  exit 1
fi
