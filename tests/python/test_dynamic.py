# qforge.run on dynamic circuits (mid-circuit measurement, if/while/switch on
# measured values, run-time classical variables): counts, exact averages and
# the distributions of the outputs against hand-derived answers; the same
# counts, outputs and probabilities as `qforge run --format json` for the
# same file and seed; run-time errors raised located at their operation.
import json
import math
import os
import pathlib
import re
import subprocess

import numpy as np
import pytest

import qforge
from conftest import ROOT

QFORGE = pathlib.Path(os.environ.get("QFORGE_BINARY_DIR", ROOT / "build")) / "cli" / "qforge"
DYNAMIC = ROOT / "circuits" / "dynamic"

# Teleportation with feed-forward of ry(0.8)|0> from q[0] to q[2], without
# undoing the rotation: q[2] ends in cos(0.4)|0> + sin(0.4)|1> in every branch.
TELEPORT = """OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit c0;
bit c1;
ry(0.8) q[0];
h q[1];
cx q[1], q[2];
cx q[0], q[1];
h q[0];
c0 = measure q[0];
c1 = measure q[1];
if (c1 == 1) x q[2];
if (c0 == 1) z q[2];
"""

# One random bit m, then an output of each classical type computed from it.
TYPED = """OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit m;
output bool flag;
output int[8] n;
output int[8] scaled;
output float[64] x;
output angle[4] a;
output uint[64] top;
h q;
m = measure q;
flag = m == 1;
n = int[8](m);
scaled = -3 * n;
x = 0.1 + float[64](m);
if (m == 1) a = 3 * pi / 4;
top = uint[64](-1);
"""

DIVIDE = """OPENQASM 3.0;
include "stdgates.inc";
qubit q;
bit m;
int[8] n = 4;
m = measure q;
n = n / int[8](m);
"""

# The chi-square statistic's 0.999 quantiles (3 and 7 degrees of freedom):
# with a fixed seed each test's counts are fixed, so this only has to hold once.
CHI2_999 = {3: 16.266, 7: 24.322}


def chi_square(observed, probabilities, shots):
    return sum((o - shots * p) ** 2 / (shots * p) for o, p in zip(observed, probabilities))


def test_teleportation_exact_averages_without_shots():
    r = qforge.run(TELEPORT, observables=["Z2", "X2", "Y2"], probabilities=True)
    assert r["trajectories"] and r["averages"] == "exact"
    assert r["branches"] == 4  # c0 and c1 each random, and the branches differ in them
    np.testing.assert_allclose(r["expectations"], [math.cos(0.8), math.sin(0.8), 0.0], atol=1e-12)
    # q[0], q[1] hold the measured bits (uniform); q[2] the teleported state.
    expected = [0.25 * (math.sin(0.4) ** 2 if i & 4 else math.cos(0.4) ** 2) for i in range(8)]
    np.testing.assert_allclose(r["probabilities"], expected, atol=1e-12)
    assert "outputs" not in r  # no shots, no outputs


def test_teleportation_shots_and_outputs():
    shots = 4000
    r = qforge.run(str(DYNAMIC / "teleport.qasm"), shots=shots, seed=3)
    # Undoing ry(0.8) on q[2] gives |0>: `result` (the highest clbit) is 0 in
    # every shot; c1 c0 are uniform.
    assert r["outputs"] == {"result": {"0": shots}}
    assert r["output_types"] == {"result": "bit"}
    assert sum(r["counts"].values()) == shots
    assert all(len(k) == 3 and k[0] == "0" for k in r["counts"])
    observed = [r["counts"].get(f"0{b:02b}", 0) for b in range(4)]
    assert chi_square(observed, [0.25] * 4, shots) < CHI2_999[3]


def test_repeat_until_success():
    shots = 10000
    path = str(DYNAMIC / "repeat_until_success.qasm")
    r = qforge.run(path, shots=shots, seed=11)
    assert r["trajectories"] and r["shots"] == shots
    assert r["counts"] == {"11": shots}  # result and m both 1
    assert r["output_types"] == {"result": "bit", "attempts": "uint[16]"}
    assert list(r["outputs"]) == ["result", "attempts"]  # registers, then variables, as the CLI
    assert r["outputs"]["result"] == {"1": shots}
    attempts = r["outputs"]["attempts"]
    assert all(type(k) is int and k >= 1 for k in attempts)
    assert list(attempts) == sorted(attempts)
    assert sum(attempts.values()) == shots
    # attempts = k with probability 2^-k: bins 1..7 and the tail >= 8 (2^-7).
    observed = [attempts.get(k, 0) for k in range(1, 8)] + [sum(n for k, n in attempts.items() if k >= 8)]
    probabilities = [2.0 ** -k for k in range(1, 8)] + [2.0 ** -7]
    assert chi_square(observed, probabilities, shots) < CHI2_999[7]
    # Without shots the loop is averaged exactly: the qubit ends in |1>.
    exact = qforge.run(path, probabilities=True, observables="Z0")
    assert exact["averages"] == "exact"
    np.testing.assert_allclose(exact["probabilities"], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(exact["expectations"], [-1.0], atol=1e-12)


def test_outputs_have_python_types():
    shots = 1000
    r = qforge.run(TYPED, shots=shots, seed=5)
    out = r["outputs"]
    assert r["output_types"] == {"flag": "bool", "n": "int[8]", "scaled": "int[8]", "x": "float[64]",
                                 "a": "angle[4]", "top": "uint[64]"}
    zeros, ones = out["n"][0], out["n"][1]
    assert zeros + ones == shots and zeros == r["counts"]["0"] and ones == r["counts"]["1"]
    assert out["flag"] == {False: zeros, True: ones} and all(type(k) is bool for k in out["flag"])
    assert out["scaled"] == {-3: ones, 0: zeros}
    assert out["x"] == {0.1: zeros, 0.1 + 1.0: ones} and all(type(k) is float for k in out["x"])
    assert out["a"] == {0.0: zeros, 3 * math.pi / 4: ones}
    assert out["top"] == {2 ** 64 - 1: shots}


def test_iterative_phase_estimation_angle_output():
    r = qforge.run(str(DYNAMIC / "iterative_phase_estimation.qasm"), shots=500, seed=2)
    assert r["counts"] == {"1": 500}
    assert r["output_types"] == {"estimate": "angle[3]"}
    # Five steps of 2*pi/8 (the phase 5/8), the double of the text 5*pi/4.
    assert r["outputs"] == {"estimate": {5 * math.pi / 4: 500}}
    assert type(next(iter(r["outputs"]["estimate"]))) is float


def test_counts_and_outputs_do_not_depend_on_threads():
    path = str(DYNAMIC / "repeat_until_success.qasm")
    one = qforge.run(path, shots=3000, seed=9, threads=1)
    two = qforge.run(path, shots=3000, seed=9, threads=2)
    assert (one["counts"], one["outputs"]) == (two["counts"], two["outputs"])
    assert one["threads"] == 1 and two["threads"] == 2


def cli_run(*args):
    if not QFORGE.exists():
        pytest.skip(f"{QFORGE} is not built")
    r = subprocess.run([str(QFORGE), "run", *map(str, args), "--format", "json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def cli_number(text):
    """A float or angle value of the CLI's JSON: a decimal, or an exact
    multiple of pi written k*pi/d (the value of that OpenQASM expression)."""
    m = re.fullmatch(r"(-?)(?:(\d+)\*)?pi(?:/(\d+))?", text)
    if not m:
        return float(text)
    value = int(m.group(2) or 1) * (-1 if m.group(1) else 1) * math.pi
    return value / int(m.group(3)) if m.group(3) else value


def cli_value(type_name, text):
    if type_name.startswith("bit"):
        return text
    if type_name == "bool":
        assert text in ("true", "false")
        return text == "true"
    if type_name.startswith(("int", "uint")):
        return int(text)
    return cli_number(text)


@pytest.mark.parametrize("name", sorted(p.name for p in DYNAMIC.glob("*.qasm")))
def test_same_as_the_cli_json(name):
    path = DYNAMIC / name
    cli = cli_run(path, "--shots", 2000, "--seed", 17, "--probabilities")
    r = qforge.run(str(path), shots=2000, seed=17, probabilities=True)
    assert (r["num_qubits"], r["shots"], r["seed"], r["precision"]) == (cli["qubits"], cli["shots"], cli["seed"],
                                                                        cli["precision"])
    assert (r["trajectories"], r["branches"], r["averages"]) == (cli["trajectories"], cli["branches"], cli["averages"])
    assert r["counts"] == cli["counts"]
    assert list(r["outputs"]) == list(cli["outputs"])
    for output, values in cli["outputs"].items():
        type_name = r["output_types"][output]
        assert list(r["outputs"][output].items()) == [(cli_value(type_name, k), n) for k, n in values.items()]
    # The CLI prints 17 significant digits: the same doubles.
    assert list(r["probabilities"]) == cli["probabilities"]


def test_typed_outputs_same_as_the_cli_json(tmp_path):
    path = tmp_path / "typed.qasm"
    path.write_text(TYPED)
    cli = cli_run(path, "--shots", 1000, "--seed", 5, "--precision", "single", "--max-iterations", 10)
    r = qforge.run(str(path), shots=1000, seed=5, precision="single", max_iterations=10)
    assert r["precision"] == cli["precision"] == "single"
    assert r["counts"] == cli["counts"]
    assert r["outputs"] == {o: {cli_value(r["output_types"][o], k): n for k, n in v.items()}
                            for o, v in cli["outputs"].items()}


def test_run_time_errors_are_located():
    with pytest.raises(ValueError) as e:
        qforge.run(DIVIDE, shots=10, seed=1)
    assert str(e.value) == ("<string>:7:1: error: division by zero in the assignment.\n"
                            "    n = n / int[8](m);\n"
                            "    ^\n")
    path = str(DYNAMIC / "repeat_until_success.qasm")
    with pytest.raises(ValueError) as e:
        qforge.run(path, shots=100, seed=1, max_iterations=2)
    assert str(e.value) == (
        f"{path}:10:1: error: the while loop goes on beyond 2 iterations in one shot (the limit of loop iterations "
        "along a shot; raise it with --max-iterations N).\n"
        "    while (m == 0) {\n"
        "    ^\n")
    # A limit far beyond what 100 shots need (attempts k has probability 2^-k).
    assert qforge.run(path, shots=100, seed=1, max_iterations=1000)["outputs"]["result"] == {"1": 100}


def test_target_refusal_of_text_shows_the_line():
    # An error found after parsing (here the target check of compile) in a
    # program given as text prints its line as for a file.
    source = (DYNAMIC / "repeat_until_success.qasm").read_text()
    with pytest.raises(ValueError) as e:
        qforge.compile(source, target="ibm_heron")
    assert str(e.value) == ("<string>:10:1: error: a while loop does not run on ibm_heron (it runs no loops)\n"
                            "    while (m == 0) {\n"
                            "    ^\n")


def test_run_time_error_same_as_the_cli(tmp_path):
    if not QFORGE.exists():
        pytest.skip(f"{QFORGE} is not built")
    path = tmp_path / "divide.qasm"
    path.write_text(DIVIDE)
    cli = subprocess.run([str(QFORGE), "run", str(path), "--shots", "10"], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1
    with pytest.raises(ValueError) as e:
        qforge.run(str(path), shots=10)
    assert str(e.value) == cli.stderr


def test_bad_run_options():
    with pytest.raises(ValueError, match=r"^max_iterations must be at least 1, got 0$"):
        qforge.run(TELEPORT, shots=10, max_iterations=0)
    with pytest.raises(ValueError, match=r"^precision must be single or double, got 'half'$"):
        qforge.run(TELEPORT, shots=10, precision="half")
