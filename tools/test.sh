#!/bin/bash
# Installs what is missing, builds the ci preset (the release build with warnings as errors),
# builds the clang-14 fuzz build and the clang-14 build of everything with the tests (ci-clang),
# both with warnings as errors, and runs every test with ctest (the ClusterFuzzLite build and a
# few seconds of each harness under ASan + UBSan among them), then the clang build's unit tests
# (label "unit": the GoogleTest cases, a few seconds).
# Exit code: ctest's (the first that failed).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake --preset ci
cmake --build --preset ci -j"$(nproc)"
cmake --preset ci-fuzz
cmake --build --preset ci-fuzz -j"$(nproc)"
cmake --preset ci-clang
cmake --build --preset ci-clang -j"$(nproc)"
status=0
ctest --preset ci -j"$(nproc)" || status=$?
ctest --preset ci-clang -L unit -j"$(nproc)" || { [ "$status" -ne 0 ] || status=$?; }
exit "$status"
