# qforge.export gives the text `qforge export` writes, for a checkpoint the
# CLI trains here (lcqhnn, one epoch on a tiny generated MNIST-format set),
# and raises naming the file for a missing or corrupt checkpoint.
import os
import pathlib
import struct
import subprocess
import sys

import numpy as np
import pytest

import qforge
from conftest import ROOT

QFORGE = pathlib.Path(os.environ.get("QFORGE_BINARY_DIR", ROOT / "build")) / "cli" / "qforge"


def write_idx(images_path, labels_path, images, labels):
    with open(images_path, "wb") as f:
        f.write(struct.pack(">iiii", 0x803, len(images), 28, 28) + images.astype(np.uint8).tobytes())
    with open(labels_path, "wb") as f:
        f.write(struct.pack(">ii", 0x801, len(labels)) + labels.astype(np.uint8).tobytes())


def bar_images(n, rng):
    """Class 0: a bright vertical bar on the left, class 1 on the right, on noise."""
    labels = np.arange(n) % 2
    images = rng.integers(0, 60, (n, 28, 28))
    for i, cls in enumerate(labels):
        col = (17 if cls else 6) + rng.integers(0, 5)
        images[i, 5:24, col - 1:col + 2] += 150
    return np.minimum(images, 255), labels


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    if not QFORGE.exists():
        pytest.skip(f"{QFORGE} is not built")
    data = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(7)
    write_idx(data / "train-images-idx3-ubyte", data / "train-labels-idx1-ubyte", *bar_images(96, rng))
    write_idx(data / "t10k-images-idx3-ubyte", data / "t10k-labels-idx1-ubyte", *bar_images(32, rng))
    run = tmp_path_factory.mktemp("run")
    subprocess.run([str(QFORGE), "train", "--model", "lcqhnn", "--dataset", "mnist", "--data-dir", str(data),
                    "--classes", "0,1", "--train-size", "64", "--val-size", "16", "--test-size", "16", "--batch", "16",
                    "--epochs", "1", "--threads", "1", "--progress", "none", "--circuits-dir", str(ROOT / "circuits"),
                    "-o", str(run)], check=True, capture_output=True, timeout=300)
    return run / "checkpoint.pt"


def cli_export(*args):
    r = subprocess.run([str(QFORGE), "export", *map(str, args)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("target, emit, sample, opt", [("ibm_heron", "qasm3", None, 2), ("ibm_eagle", "qasm2", 5, 1),
                                                      ("nam", "qasm3", 3, 3), ("ibm_heron", "qasm3", 0, 2)])
def test_export_gives_the_cli_text(checkpoint, target, emit, sample, opt):
    args = [checkpoint, "--target", target, "--emit", emit, "-O", opt] + ([] if sample is None else ["--sample", sample])
    want = cli_export(*args)
    got = qforge.export(checkpoint, target=target, emit=emit, sample=sample, opt=opt)
    assert got == want
    assert got.startswith("OPENQASM 3.0;" if emit == "qasm3" else "OPENQASM 2.0;")
    # The sample's data is bound, else x stays an input.
    assert ("input" in got) == (sample is None and emit == "qasm3")


def test_export_with_a_coupling_map(checkpoint):
    want = cli_export(checkpoint, "--target", "generic", "--coupling-map", "line:5")
    assert qforge.export(str(checkpoint), coupling_map="line:5") == want


def test_export_errors_name_the_file(checkpoint, tmp_path):
    missing = tmp_path / "nope.pt"
    with pytest.raises(RuntimeError, match=f"no checkpoint '{missing}'"):
        qforge.export(missing, target="ibm_heron")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(checkpoint.read_bytes()[:1000])
    with pytest.raises(RuntimeError, match=f"'{corrupt}' is not a qforge checkpoint"):
        qforge.export(corrupt)
    with pytest.raises(ValueError, match="--emit must be qasm3 or qasm2, got 'ir'"):
        qforge.export(checkpoint, emit="ir")
    with pytest.raises(ValueError, match="--sample 1000 is out of range"):
        qforge.export(checkpoint, sample=1000)
    # OpenQASM 2.0 cannot keep x an input: located at the run's circuit.
    with pytest.raises(ValueError, match=r"circuit\.qasm:\d+:\d+: error: cannot write 'rz' in OpenQASM 2\.0"):
        qforge.export(checkpoint, emit="qasm2")


def test_import_qforge_loads_neither_torch_nor_the_checkpoint_reader():
    code = "import sys, qforge; print('torch' in sys.modules, 'qforge._qforge_models' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["False", "False"]
