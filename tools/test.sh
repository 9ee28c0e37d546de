#!/bin/bash
# Installs what is missing, builds the release preset and runs every test. Exit code: ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset release
cmake --build --preset release -j"$(nproc)"
exec ctest --preset release -j"$(nproc)"
