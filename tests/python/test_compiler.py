# qforge.check / compile / run: results and error messages.
import numpy as np
import pytest

import qforge

BELL = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
h q[0];
cx q[0], q[1];
c = measure q;
"""

BAD = """OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
h q[2];
"""


def test_check_valid_program_has_no_diagnostics(lean_path):
    assert qforge.check(BELL) == []
    assert qforge.check(lean_path) == []


def test_check_reports_file_line_col_message_severity():
    diags = qforge.check(BAD)
    assert len(diags) == 1
    d = diags[0]
    assert (d.file, d.line, d.col, d.severity) == ("<string>", 4, 5, "error")
    assert d.message == "index 2 out of range for register 'q' of size 2"
    assert d.source_line == "h q[2];"
    assert str(d).startswith("<string>:4:5: error: " + d.message)


def test_check_missing_file():
    diags = qforge.check("/nonexistent/x.qasm")
    assert diags and diags[0].severity == "error"


def test_compile_error_raises_value_error_with_location():
    with pytest.raises(ValueError) as e:
        qforge.compile(BAD)
    assert str(e.value) == "<string>:4:5: error: index 2 out of range for register 'q' of size 2\n    h q[2];\n        ^\n"


def test_compile_emits_each_form():
    q3 = qforge.compile(BELL)
    assert q3.startswith("OPENQASM 3.0;") and "cx q[0], q[1];" in q3
    assert qforge.compile(BELL, emit="qasm2").startswith("OPENQASM 2.0;")
    assert "cx" in qforge.compile(BELL, emit="ir")
    with pytest.raises(ValueError, match="emit must be qasm3, qasm2 or ir"):
        qforge.compile(BELL, emit="json")


def test_compile_for_a_target_uses_its_gates():
    out = qforge.compile(BELL, opt=2, target="ibm_heron")
    assert "cz" in out and "cx " not in out and "h q" not in out
    assert "qforge-layout" in out  # routed onto the device: the layout comment


def test_compile_bad_level_or_target():
    with pytest.raises(ValueError):
        qforge.compile(BELL, opt=7)
    with pytest.raises(ValueError):
        qforge.compile(BELL, target="nowhere")


def test_compile_binds_inputs(lean_path):
    out = qforge.compile(lean_path, emit="qasm2", inputs={"x": [0.1] * 4, "theta": [0.2] * 4})
    assert out.startswith("OPENQASM 2.0;")
    with pytest.raises(ValueError, match="x"):
        qforge.compile(lean_path, emit="qasm2")  # unbound inputs: 2.0 cannot express them


def test_run_counts_are_seeded():
    r = qforge.run(BELL, shots=1000, seed=7)
    assert set(r["counts"]) <= {"00", "11"} and sum(r["counts"].values()) == 1000
    assert r == {**r, "counts": qforge.run(BELL, shots=1000, seed=7)["counts"]}
    assert qforge.run(BELL)["shots"] == 1024  # nothing asked for: sample


def test_run_probabilities_observables_statevector():
    src = BELL.replace("c = measure q;\n", "")
    r = qforge.run(src, probabilities=True, statevector=True, observables=["Z0 Z1", "X0 X1", "Z0"])
    np.testing.assert_allclose(r["probabilities"], [0.5, 0, 0, 0.5], atol=1e-12)
    np.testing.assert_allclose(r["statevector"], np.array([1, 0, 0, 1]) / np.sqrt(2), atol=1e-12)
    np.testing.assert_allclose(r["expectations"], [1, 1, 0], atol=1e-12)
    assert r["observables"]["Z0 Z1"] == pytest.approx(1)
    assert r["statevector"].dtype == np.complex128


def test_run_bad_observable_and_unbound_input(lean_path):
    with pytest.raises(ValueError):
        qforge.run(BELL, observables=["Q0"])
    with pytest.raises(ValueError, match="x"):
        qforge.run(lean_path, observables=["Z0"])


def test_draw_text_svg_png():
    text = qforge.draw(BELL)
    assert "H" in text and "■" in text and text.endswith("\n")
    assert qforge.draw(BELL, format="svg").lstrip().startswith("<")
    assert qforge.draw(BELL, format="png", scale=1).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="format must be text, svg or png"):
        qforge.draw(BELL, format="pdf")
