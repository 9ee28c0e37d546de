#!/bin/bash
# Replays one corpus trace and checks what its leading comments promise:
#   "# expect-exit: N" as the first line (default 0), and
#   "# expect-violation: PROPERTY": the output carries a "# violation: PROPERTY" line.
# usage: replay-corpus.sh IOVACHECK TRACE [REPLAY OPTION...]
set -uo pipefail
binary=$1
trace=$2
shift 2

expected_exit=0
if [[ $(head -n 1 "$trace") =~ ^#\ expect-exit:\ ([0-9]+)$ ]]; then
  expected_exit=${BASH_REMATCH[1]}
fi
expected_violation=$(sed -n 's/^# expect-violation: //p' "$trace" | head -n 1)

output=$("$binary" replay "$trace" "$@" 2>&1)
status=$?
printf '%s\n' "$output"

if [ "$status" -ne "$expected_exit" ]; then
  echo "replay-corpus: exit $status, expected $expected_exit" >&2
  exit 1
fi
if [ -n "$expected_violation" ] && ! grep -qF -- "# violation: $expected_violation" <<<"$output"; then
  echo "replay-corpus: no '# violation: $expected_violation' line" >&2
  exit 1
fi
