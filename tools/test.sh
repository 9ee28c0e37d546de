#!/bin/bash
# Installs what is missing, builds the ci preset (the release build with warnings as errors),
# builds the clang-14 fuzz build with warnings as errors, and runs every test with ctest (the
# ClusterFuzzLite build and a few seconds of each harness under ASan + UBSan among them).
# Exit code: ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset ci
cmake --build --preset ci -j"$(nproc)"
cmake --preset ci-fuzz
cmake --build --preset ci-fuzz -j"$(nproc)"
exec ctest --preset ci -j"$(nproc)"
