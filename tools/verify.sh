#!/bin/bash
# The main job: build, then run `iovacheck verify` (every corpus trace on every variant).
# Arguments are passed to `iovacheck verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target iovacheck
exec build/release/cli/iovacheck verify "$@"
