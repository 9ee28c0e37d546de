#!/bin/bash
# Opens verify's report.html in a real headless browser and checks that the matrix laid out
# (one row per variant) and every picture drew with a size.
# usage: verify-browser.sh IOVACHECK CORPUS OUT
set -uo pipefail
binary=$1 corpus=$2 out=$3
browser=$(command -v chromium || command -v chromium-browser || true)
fail() { echo "verify-browser: $*" >&2; exit 1; }
[ -n "$browser" ] || fail "no chromium on PATH (tools/install-deps.sh installs it)"
rm -rf "$out"
"$binary" verify --corpus "$corpus" --variants mainline,z1,p3 --budget 4 --no-coverage --out "$out" >/dev/null 2>&1 ||
  fail "verify exited $?"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
  --virtual-time-budget=5000 --dump-dom "file://$(realpath "$out/report.html")" 2>/dev/null)
rendered=$(grep -o 'data-rendered="[^"]*"' <<<"$dom" | head -n 1)
echo "verify-browser: $rendered"
[[ $rendered =~ rows=([0-9]+)\ pictures=([0-9]+) ]] || fail "the page's script did not run"
[ "${BASH_REMATCH[1]}" -eq 3 ] || fail "the matrix has ${BASH_REMATCH[1]} rows, expected 3"
expected_pictures=$(grep -c '<div class="picture">' "$out/report.html")
[ "${BASH_REMATCH[2]}" -eq "$expected_pictures" ] ||
  fail "${BASH_REMATCH[2]} of $expected_pictures pictures drew with a size"
echo "verify-browser: ok"
