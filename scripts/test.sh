#!/usr/bin/env bash
# Run the whole test suite (after scripts/setup.sh). The corpus conformance
# tests read ../shared/corpus through QFORGE_CORPUS, and the noise tests the
# IBM calibration snapshots in ../shared/calibration through
# QFORGE_CALIBRATION; without them those tests say they are skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${QFORGE_CORPUS:-}" && -d ../shared/corpus ]]; then
  export QFORGE_CORPUS="$(cd ../shared/corpus && pwd)"
fi
if [[ -z "${QFORGE_CALIBRATION:-}" && -d ../shared/calibration ]]; then
  export QFORGE_CALIBRATION="$(cd ../shared/calibration && pwd)"
fi
echo "test: QFORGE_CORPUS=${QFORGE_CORPUS:-<unset: corpus tests will be skipped>}"
echo "test: QFORGE_CALIBRATION=${QFORGE_CALIBRATION:-<unset: calibration tests will be skipped>}"
ctest --test-dir build --output-on-failure -j"${QFORGE_JOBS:-2}" --timeout 600
# A minute of fuzzing the front end for crashes, sanitizer reports, leaks
# and hangs (libFuzzer, ASan, UBSan; see scripts/fuzz.sh): about two and a
# half minutes with its build.
if command -v clang++-14 >/dev/null; then
  scripts/fuzz.sh --smoke 60
else
  echo "test: clang++-14 not found: the front end's fuzz run is skipped (apt-get install clang-14 libclang-rt-14-dev)"
fi
