#!/bin/bash
# What the property engine finds past the known findings (docs/findings.md): for each variant,
# `iovacheck check` (known fixes applied, the default) on seeds 1, 2, ... until the time budget
# is spent. Prints one line per seed (tests until failure, the identity under the rule for
# "known", the violation) and per variant the cases/s of the search, the known findings met on
# the variant without its fixes, and the violations grouped by property and reason with
# numbers left out. Minimized traces are kept in OUT/VARIANT-seedN.trace.
# usage: tools/search-past-known.sh SECONDS OUT VARIANT... [-- CHECK-OPTIONS...]
#   e.g. tools/search-past-known.sh 600 /tmp/past mainline p1 p2 p3
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { echo "usage: tools/search-past-known.sh SECONDS OUT VARIANT... [-- CHECK-OPTIONS...]" >&2; exit 2; }
budget=$1
out=$2
shift 2
variants=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do variants+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
binary=${IOVACHECK:-build/release/cli/iovacheck}
[ -x "$binary" ] || { echo "search-past-known: no binary at $binary (build the iovacheck target first)" >&2; exit 2; }
mkdir -p "$out"

for variant in "${variants[@]}"; do
  log="$out/$variant.log"
  : >"$log"
  deadline=$(( $(date +%s) + budget ))
  seed=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    seed=$((seed + 1))
    set +e
    "$binary" check --variant "$variant" --seed "$seed" "$@" -o "$out/$variant-seed$seed.trace" >"$out/$variant.run" 2>&1
    status=$?
    set -e
    [ "$status" -le 1 ] || { echo "search-past-known: $variant seed $seed exited $status" >&2; cat "$out/$variant.run" >&2; exit 3; }
    awk -v seed="$seed" '
      /^counterexample on / { identity = ($0 ~ /known as F/) ? $0 : "new"; sub(/.*known as /, "", identity); sub(/:.*/, "", identity)
                              if ($0 ~ /not known/) identity = "new"; reason = $0; sub(/^[^:]*: violation: /, "", reason) }
      /^passed / { tests = $2; reason = "passed" }
      /^tests until failure:/ { tests = $4; sub(";", "", tests) }
      /^search:/ { seconds = $2 }
      /^known findings met/ { met = $0; sub(/^[^:]*: /, "", met) }
      END { printf "seed %d\ttests %d\tsearch_s %s\t%s\t%s\tmet: %s\n", seed, tests, seconds, identity, reason, met }
    ' "$out/$variant.run" >>"$log"
  done
  rm -f "$out/$variant.run"
  echo "== $variant: $seed seeds in ${budget} s"
  cat "$log"
  awk -F'\t' -v budget="$budget" '{ split($2, t, " "); split($3, s, " "); tests += t[2]; secs += s[2] }
              END { printf "search: %d cases, %.1f s of search (%.0f cases/s), %.0f cases per second of the budget\n",
                           tests, secs, (secs > 0 ? tests / secs : 0), tests / budget }' "$log"
  echo "violations by property and reason (numbers left out):"
  awk -F'\t' '{ r = $5; gsub(/0x[0-9a-f]+/, "N", r); print r }' "$log" | sort | uniq -c | sort -rn
done
