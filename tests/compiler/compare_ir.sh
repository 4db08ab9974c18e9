#!/usr/bin/env bash
# compare_ir.sh BEFORE AFTER [DIR|FILE]...
#
# Compiles every .qasm file (default: circuits/ and the shared corpus,
# ../shared/corpus or $QFORGE_CORPUS) with two qforge executables, e.g. one
# built from main and one from a branch that changes the front end, and
# compares the IR they print (`qforge compile FILE --emit ir`), their
# diagnostics and their exit codes. Prints one line per file that differs and
# a summary; exits 1 when any differs.
set -u
if [ $# -lt 2 ]; then
  echo "usage: compare_ir.sh BEFORE_QFORGE AFTER_QFORGE [DIR|FILE]..." >&2
  exit 2
fi
before=$1 after=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -eq 0 ]; then
  set -- "$root/circuits" "${QFORGE_CORPUS:-$root/../shared/corpus}"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 differ=0 failed_both=0
while IFS= read -r -d '' f; do
  "$before" compile "$f" --emit ir >"$tmp/b.out" 2>"$tmp/b.err"
  rb=$?
  "$after" compile "$f" --emit ir >"$tmp/a.out" 2>"$tmp/a.err"
  ra=$?
  if [ $rb -eq $ra ] && cmp -s "$tmp/b.out" "$tmp/a.out" && cmp -s "$tmp/b.err" "$tmp/a.err"; then
    same=$((same + 1))
    [ $rb -ne 0 ] && failed_both=$((failed_both + 1))
  else
    differ=$((differ + 1))
    echo "differs: $f (exit $rb -> $ra)"
  fi
done < <(find "$@" -name '*.qasm' -type f -print0 | sort -z)
echo "compare_ir: $same files the same ($failed_both of them rejected by both, with the same diagnostics), $differ differ"
[ $differ -eq 0 ]
