#!/bin/bash
# `iovacheck check -o FILE` writes the minimized counterexample; replayed, it violates the
# same property on its variant and holds on mainline.
# usage: check-output-replays.sh IOVACHECK VARIANT SEED PROPERTY
set -uo pipefail
binary=$1 variant=$2 seed=$3 property=$4
trace=$(mktemp)
trap 'rm -f "$trace"' EXIT

"$binary" check --variant "$variant" --seed "$seed" -o "$trace" >/dev/null
status=$?
[ "$status" -eq 1 ] || { echo "check exited $status, expected 1" >&2; exit 1; }
cat "$trace"
on_variant=$("$binary" replay --quiet "$trace")
grep -q -- "^# violation: $property" <<<"$on_variant" || { echo "no '$property' violation on $variant" >&2; exit 1; }
on_mainline=$("$binary" replay --quiet --variant mainline "$trace")
grep -q ": ok, " <<<"$on_mainline" || { echo "mainline does not hold: $on_mainline" >&2; exit 1; }
