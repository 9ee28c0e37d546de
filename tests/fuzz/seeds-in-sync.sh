#!/bin/bash
# The seeds under corpus/fuzz/ are what fuzz_make_seeds makes of the corpus today.
# usage: seeds-in-sync.sh MAKE_SEEDS CORPUS_DIR
set -euo pipefail
make_seeds=$1
corpus=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$make_seeds" "$corpus" "$scratch"
for harness in differential trace_parser; do
  if ! diff -r "$scratch/$harness" "$corpus/fuzz/$harness" >"$scratch/diff"; then
    cat "$scratch/diff"
    echo "corpus/fuzz/$harness is out of date: run $make_seeds $corpus $corpus/fuzz" >&2
    exit 1
  fi
done
echo "seeds in sync: $(ls "$scratch/differential" | wc -l) byte forms, $(ls "$scratch/trace_parser" | wc -l) texts"
