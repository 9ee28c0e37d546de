#!/bin/bash
# Every entry of fuzz/coverage-ignorelist.txt still names something: a `src:` pattern a source
# file of the repository, a `fun:` pattern a function defined in the given libraries. The list
# names functions by fragments of their mangled names, so a rename (or a function becoming a
# template) would leave an entry that matches nothing and quietly brings the coverage back.
# usage: coverage-ignorelist.sh LIST SOURCE_DIR LIBRARY...
set -euo pipefail
list=$1 source=$2
shift 2
symbols=$(mktemp) sources=$(mktemp)
trap 'rm -f "$symbols" "$sources"' EXIT
nm --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$symbols"
[ -s "$symbols" ] || { echo "coverage-ignorelist: no symbols in $*" >&2; exit 1; }
(cd "$source" && git ls-files 2>/dev/null || find . -type f -not -path './build/*') | sed "s|^\./||; s|^|$source/|" >"$sources"
# A list's glob as an anchored extended regular expression.
as_regex() { printf '%s' "$1" | sed 's/[][\.^$+?(){}|]/\\&/g; s/\*/.*/g; s/^/^/; s/$/$/'; }
stale=0 entries=0
while IFS= read -r line; do
  case $line in
    src:*)
      entries=$((entries + 1))
      grep -qE "$(as_regex "${line#src:}")" "$sources" ||
        { echo "coverage-ignorelist: $line names no source file" >&2; stale=1; } ;;
    fun:_ZNSt* | fun:_ZNKSt* | fun:_ZSt* | fun:_ZN9__gnu_cxx* | fun:_ZNK9__gnu_cxx*)
      entries=$((entries + 1)) ;;  # the standard library's prefixes: no rename of ours moves them
    fun:*)
      entries=$((entries + 1))
      grep -qE "$(as_regex "${line#fun:}")" "$symbols" ||
        { echo "coverage-ignorelist: $line names no function in the libraries" >&2; stale=1; } ;;
  esac
done <"$list"
[ "$entries" -gt 0 ] || { echo "coverage-ignorelist: $list has no entries" >&2; exit 1; }
[ "$stale" = 0 ] && echo "coverage-ignorelist: all $entries entries name something"
exit "$stale"
