# python/examples/lean_hybrid_classifier.py runs (a small slice of the data).
import os
import pathlib
import subprocess
import sys

import pytest

import qforge
from conftest import ROOT

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not DATA.exists(), reason="needs the Debian package dataset-fashion-mnist")
def test_lean_hybrid_classifier_example(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(qforge.__file__)))
    out = subprocess.run([sys.executable, str(ROOT / "python" / "examples" / "lean_hybrid_classifier.py"),
                          "--train", "256", "--test", "128", "--epochs", "1", "--save", str(tmp_path / "w.pt")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("epoch 1: loss ")
    import torch
    assert "quantum.theta" in torch.load(tmp_path / "w.pt")
