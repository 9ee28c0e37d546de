#!/bin/bash
# Installs the build and test dependencies on Debian 12, only those missing. Idempotent.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ca-certificates
  libgtest-dev librapidcheck-dev libbenchmark-dev libz3-dev
  clang-14 libclang-rt-14-dev
  chromium  # draw's rendering test (headless); ~350 MB installed with chromium-common, plus its libraries
  llvm-14 zip unzip
  patch  # the mutant build of tests/mutants (cli.verify.fail_on_new_mutant)
)
# The real drivers/iommu/iova.c (kernel/): 153 MB + 139 MB of downloads, of which the build
# extracts six files once (about 10 s per package, cached in ~/.cache/iovacheck/kernel).
# IOVACHECK_NO_KERNEL_SOURCE=1 skips them; the kernel implementations are then not built.
if [ "${IOVACHECK_NO_KERNEL_SOURCE:-0}" != 1 ]; then
  packages+=(xz-utils linux-source-6.12 linux-source-6.1)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg -s "$package" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them yourself) to continue" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
