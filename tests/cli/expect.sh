#!/bin/bash
# Runs a command and checks its exit code and one of its output streams.
# usage: expect.sh EXIT stdout|stderr [PATTERN...] -- COMMAND [ARGS...]
# Each PATTERN is an extended regex the stream must match; a leading '!' means it must not.
set -uo pipefail
expected_exit=$1
stream=$2
shift 2
patterns=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  patterns+=("$1")
  shift
done
if [ $# -lt 2 ]; then
  echo "expect.sh: usage: expect.sh EXIT stdout|stderr [PATTERN...] -- COMMAND [ARGS...]" >&2
  exit 2
fi
shift

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$@" >"$scratch/stdout" 2>"$scratch/stderr" </dev/null
status=$?
echo "--- stdout"; cat "$scratch/stdout"
echo "--- stderr"; cat "$scratch/stderr"

failed=0
if [ "$status" -ne "$expected_exit" ]; then
  echo "expect.sh: exit $status, expected $expected_exit" >&2
  failed=1
fi
for pattern in "${patterns[@]}"; do
  if [[ $pattern == '!'* ]]; then
    if grep -qE -- "${pattern:1}" "$scratch/$stream"; then
      echo "expect.sh: $stream matches '${pattern:1}', it must not" >&2
      failed=1
    fi
  elif ! grep -qE -- "$pattern" "$scratch/$stream"; then
    echo "expect.sh: $stream does not match '$pattern'" >&2
    failed=1
  fi
done
exit "$failed"
