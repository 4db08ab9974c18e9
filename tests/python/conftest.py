# Shared fixtures of the Python tests. Run through ctest (tests/CMakeLists.txt),
# which sets PYTHONPATH to build/python; by hand:
#   PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LEAN = ROOT / "circuits" / "lean_hybrid.qasm"


@pytest.fixture
def lean_path():
    return str(LEAN)
