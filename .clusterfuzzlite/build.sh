#!/bin/bash -eu
# Builds every harness fuzz/CMakeLists.txt lists, the OSS-Fuzz way: compilers and flags from
# $CC $CXX $CFLAGS $CXXFLAGS (sanitizers and coverage instrumentation included), the engine
# from $LIB_FUZZING_ENGINE, the sources in $SRC/iovacheck (or $IOVACHECK_SRC), the build in
# $WORK, and into $OUT each fuzzer with its <name>_seed_corpus.zip, <name>.dict, <name>.options.
set -euo pipefail  # also when run as `bash build.sh`, where the shebang's flags do not apply
repo=${IOVACHECK_SRC:-$SRC/iovacheck}
build=${WORK:-/tmp}/iovacheck-build
# Ninja where it is installed (our Debian set-up has no make); the OSS-Fuzz images have make.
# A build folder kept from an earlier run keeps the generator it was made with.
generator=()
if command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ]; then generator=(-G Ninja); fi

cmake -S "$repo" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DIOVACHECK_FUZZ=ON -DIOVACHECK_FUZZ_ONLY=ON -DIOVACHECK_FUZZ_INSTRUMENT=OFF \
  -DIOVACHECK_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DIOVACHECK_TESTS=OFF -DIOVACHECK_BENCH=OFF
# Only the listed harnesses (fuzz_<name>), as the build's harnesses.tsv names them.
cmake --build "$build" -j"$(nproc)" --target $(cut -f1 "$build/fuzz/harnesses.tsv" | sed 's/^/fuzz_/')

zip_dir() {  # zip_dir DIR ZIP: the files of DIR at the zip's top level
  local zip
  zip=$(realpath -m "$2")
  rm -f "$zip"
  (cd "$1" && zip -q -r "$zip" .)
}

while IFS=$'\t' read -r name input per_variant binary seeds dict options; do
  cp "$binary" "$OUT/$name"
  if [ -d "$seeds" ]; then zip_dir "$seeds" "$OUT/${name}_seed_corpus.zip"; fi
  if [ "$dict" != - ]; then cp "$dict" "$OUT/$name.dict"; fi
  if [ "$options" != - ]; then cp "$options" "$OUT/$name.options"; fi
  echo "build.sh: $name ($input input$([ "$per_variant" = yes ] && echo ', one variant per byte'))"
done <"$build/fuzz/harnesses.tsv"
