#!/usr/bin/env bash
# Run the whole test suite (after scripts/setup.sh). The corpus conformance
# tests read ../shared/corpus through QFORGE_CORPUS; without it they say they
# are skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${QFORGE_CORPUS:-}" && -d ../shared/corpus ]]; then
  export QFORGE_CORPUS="$(cd ../shared/corpus && pwd)"
fi
echo "test: QFORGE_CORPUS=${QFORGE_CORPUS:-<unset: corpus tests will be skipped>}"
ctest --test-dir build --output-on-failure -j"${QFORGE_JOBS:-2}" --timeout 600
