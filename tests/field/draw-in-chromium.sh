#!/bin/bash
# Renders draw's pages in the real browser (headless Chromium) and checks they drew: the page's
# script ran and chose the violating frame, and the screenshot holds the colours of the nodes and
# of the highlighted missed gap. Skips (exit 77) when Chromium is not installed.
# usage: draw-in-chromium.sh IOVACHECK SOURCE_DIR
set -uo pipefail
iovacheck=$1
source_dir=$2
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "SKIP: $chromium is not installed (bash tools/install-deps.sh installs it)"
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
browse() {  # browse OUTPUT-OPTION URL
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$scratch/profile-$RANDOM" --window-size=1440,560 "$1" "$2" 2>/dev/null
}
fail() { echo "draw-in-chromium: $*" >&2; exit 1; }

"$iovacheck" draw "$source_dir/corpus/field/seed-real-geometry.trace" -o "$scratch/trace.html" || fail "draw of the trace failed"
"$iovacheck" draw "$source_dir/corpus/field/seed-thread.log" -o "$scratch/log.html" || fail "draw of the log failed"

# The script ran: it opened the violating frame (step 6 of the trace, the 7th of 7 frames).
browse --dump-dom "file://$scratch/trace.html" >"$scratch/trace.dom"
grep -q 'data-drawn="frame 7 of 7"' "$scratch/trace.dom" || fail "the trace page's script did not show the violating frame: $(grep -o 'data-drawn="[^"]*"' "$scratch/trace.dom")"
[ "$(grep -c '<svg' "$scratch/trace.dom")" -eq 7 ] || fail "the trace page does not hold 7 pictures"

browse --screenshot="$scratch/log.png" "file://$scratch/log.html" >/dev/null
[ -s "$scratch/log.png" ] || fail "no screenshot"
echo "screenshot: $(stat -c %s "$scratch/log.png") bytes"
if ! command -v python3 >/dev/null; then
  echo "python3 missing: the screenshot's pixels are not inspected"
  exit 0
fi
python3 - "$scratch/log.png" <<'PY' || exit 1
# Counts pixels of two colours in the screenshot: the nodes' blue and the missed gap's red.
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, width, height, channels = 8, b'', 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR':
        width, height, depth, colour = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and colour in (2, 6), 'unexpected PNG format'
        channels = 3 if colour == 2 else 4
    elif kind == b'IDAT':
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
rows, previous = [], bytearray(stride)
for y in range(height):
    kind = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - channels] if x >= channels else 0
        b = previous[x]
        c = previous[x - channels] if x >= channels else 0
        if kind == 1: line[x] = (line[x] + a) & 255
        elif kind == 2: line[x] = (line[x] + b) & 255
        elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line)
    previous = line
def count(rgb):
    return sum(1 for line in rows for x in range(0, stride, channels) if abs(line[x] - rgb[0]) + abs(line[x + 1] - rgb[1]) + abs(line[x + 2] - rgb[2]) < 24)
blue, red = count((0x4e, 0x79, 0xa7)), count((0xe1, 0x57, 0x59))
print(f'screenshot {width}x{height}: {blue} node pixels, {red} missed-gap pixels')
assert blue > 5000, 'the nodes were not drawn'
assert red > 50, 'the missed gap was not highlighted'
PY
