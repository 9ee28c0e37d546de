#!/bin/bash
# The main job: install what is missing, build every engine (the release build and the libFuzzer
# build), then run `iovacheck verify` over every variant. Arguments are passed to it
# (`--budget SECONDS`, `--variants LIST`, `--out DIR`, `--fail-on-new`, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target iovacheck
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
exec build/release/cli/iovacheck verify --fuzz-build build/fuzz "$@"
