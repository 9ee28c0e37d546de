#!/bin/bash
# The main job: install what is missing, build every engine (the release build and the libFuzzer
# build) and the coverage build the engines run on (the CLI and the differential harness of the
# fuzz-coverage preset), then run `iovacheck verify` over every variant. Arguments are passed to
# it (`--budget SECONDS`, `--variants LIST`, `--out DIR`, `--fail-on-new`, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target iovacheck
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j"$(nproc)"
cmake --preset fuzz-coverage >/dev/null
cmake --build --preset fuzz-coverage -j"$(nproc)" --target iovacheck fuzz_differential
exec build/release/cli/iovacheck verify --fuzz-build build/fuzz --coverage-build build/fuzz-coverage "$@"
