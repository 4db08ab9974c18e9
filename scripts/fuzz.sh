#!/usr/bin/env bash
# Fuzz the front end with libFuzzer, ASan and UBSan for SECONDS (default 60).
#
#   scripts/fuzz.sh [--smoke] [SECONDS]
#
# Builds tests/fuzz (the grammar, the IR and the front end only) with
# clang-14 in ./build-fuzz, then runs the target seeded with the corpus
# (QFORGE_CORPUS, else ../shared/corpus; files up to 16 KiB) and the token
# dictionary tests/fuzz/openqasm.dict. New inputs go to build-fuzz/work (the
# corpus itself is only read); a crash, a sanitizer report, a leak or an
# input taking over a second stops the run with its input saved as
# build-fuzz/artifacts/crash-*, leak-*, timeout-* or slow-unit-*, and the
# script exits non-zero. --smoke (what scripts/test.sh runs) looks for
# crashes, sanitizer reports, leaks and hangs only: it allows an input ten
# seconds, since a sanitized run's time on a shared machine is no verdict.
# QFORGE_FUZZ_JOBS=N runs N fuzzing processes.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=1  # seconds an input may take
if [[ "${1:-}" == --smoke ]]; then
  limit=10
  shift
fi
seconds="${1:-60}"
jobs="${QFORGE_FUZZ_JOBS:-1}"
out=build-fuzz

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
if [[ -z "${QFORGE_CORPUS:-}" && -d ../shared/corpus ]]; then
  QFORGE_CORPUS="$(cd ../shared/corpus && pwd)"
fi

start=$(date +%s)
CC=clang-14 CXX=clang++-14 cmake -S tests/fuzz -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"${QFORGE_JOBS:-2}" --target fuzz_frontend
echo "fuzz: built $out/fuzz_frontend in $(($(date +%s) - start)) s"

# Seeds: the corpus's small programs (large ones only slow each execution).
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/work" "$out/artifacts"
if [[ -n "${QFORGE_CORPUS:-}" && -d "$QFORGE_CORPUS" ]]; then
  find "$QFORGE_CORPUS" -type f \( -name '*.qasm' -o -name '*.inc' \) -size -16k -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$seeds/$(echo "$f" | md5sum | cut -c1-16)-$(basename "$f")"; done
  echo "fuzz: $(ls "$seeds" | wc -l) seeds from $QFORGE_CORPUS"
else
  echo "fuzz: QFORGE_CORPUS unset: starting from the dictionary alone"
fi

# ASan's leak check runs at exit and on every crash; UBSan stops at its
# first report (-fno-sanitize-recover) and prints the stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
args=(-dict=tests/fuzz/openqasm.dict -max_len=16384 -timeout="$limit" -report_slow_units="$limit"
      -rss_limit_mb=4096 -max_total_time="$seconds" -print_final_stats=1
      -artifact_prefix="$out/artifacts/")
if ((jobs > 1)); then args+=(-fork="$jobs"); fi
set +e
"$out/fuzz_frontend" "${args[@]}" "$out/work" "$seeds"
status=$?
set -e
echo "fuzz: ran ${seconds} s; exit $status; $(ls "$out/work" | wc -l) inputs in $out/work"
if ls "$out"/artifacts/* >/dev/null 2>&1; then
  echo "fuzz: findings in $out/artifacts:"
  ls -l "$out"/artifacts/
  exit 1
fi
exit $status
