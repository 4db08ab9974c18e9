"""qforge: OpenQASM 3/2 compiler and simulator, and a differentiable quantum
layer for PyTorch.

    import qforge
    qforge.check("bell.qasm")                    # [Diagnostic, ...]
    qforge.compile("bell.qasm", opt=2, target="ibm_heron", emit="qasm3")
    qforge.run("bell.qasm", shots=1000, seed=1)  # {"counts": {...}, ...}
    print(qforge.draw("bell.qasm"))
    qforge.export("runs/lcqhnn/checkpoint.pt", target="ibm_heron")  # needs torch
    layer = qforge.QuantumLayer("circuits/lean_hybrid.qasm", inputs="x")

A source is OpenQASM text when it contains "OPENQASM" or a newline, else the
path of a file. Programs that do not compile raise ValueError with the
diagnostics as `qforge check` prints them (file:line:col: error: message).
"""
from ._qforge import Circuit, Diagnostic
from ._qforge import check as _check
from ._qforge import compile as _compile
from ._qforge import draw as _draw
from ._qforge import run as _run

__all__ = ["check", "compile", "draw", "run", "export", "Circuit", "Diagnostic", "QuantumLayer"]
__version__ = "@PROJECT_VERSION@"


def check(source, include_dirs=()):
    """Parse and check `source` (text or path): its diagnostics, errors and
    warnings, each with file, line, col, message and severity. Empty when
    the program is valid."""
    return _check(str(source), list(map(str, include_dirs)))


def compile(source, opt=0, target="generic", emit="qasm3", coupling_map="", include_dirs=(), inputs=None):
    """Compile `source` at -O`opt` for `target` ("nam", "ibm_eagle",
    "ibm_heron" or "generic"; with `coupling_map` such as "line:5") and
    return it as `emit` ("qasm3", "qasm2" or "ir"). `inputs` binds input
    declarations by name: {"theta": 0.5, "x": [0.1, 0.2]}."""
    return _compile(str(source), int(opt), target, emit, coupling_map, list(map(str, include_dirs)),
                    _bindings(inputs))


def draw(source, format="text", width=0, scale=2.0, include_dirs=(), inputs=None):
    """The circuit as a picture: "text" (str; `width` > 0 folds it at that
    many characters), "svg" (str) or "png" (bytes, `scale` pixels per SVG
    unit), as `qforge draw` draws it."""
    return _draw(str(source), format, int(width), float(scale), list(map(str, include_dirs)), _bindings(inputs))


def run(source, shots=0, seed=0, observables=(), probabilities=False, statevector=False, inputs=None,
        include_dirs=(), threads=0, precision="double", max_iterations=None):
    """Simulate `source`, as `qforge run` does. Returns a dict: "counts" (bit
    string, highest clbit first -> count; 1024 shots when nothing else is
    asked for), "probabilities" and "statevector" (NumPy arrays over basis
    states, little-endian), "expectations" (NumPy array, one per observable
    such as "Z0 Z1 + 0.5*X2") and "observables" (text -> value), plus
    "num_qubits", "shots", "seed", "threads", "precision", "seconds",
    "trajectories" (a dynamic circuit, run by shot branching), "branches"
    (final states simulated) and "averages" ("exact" over every branch, or
    "sampled" over the shots' branches).

    A dynamic circuit (mid-circuit measurement, if/while/for/switch on
    measured values, classical variables) run with shots also returns
    "outputs": output name -> {value: shots}, the final value of each
    `output` variable and `output bit` register (of every variable and
    classical register when none is declared output), values in increasing
    order; bit registers as bit strings (highest bit first, as in "counts"),
    bool as bool, int and uint as int, float and angle (radians) as float.
    "output_types" gives each output's type ("bit[2]", "uint[16]", ...).
    `precision` is "double" or "single". `max_iterations` (default 1000000)
    bounds the loop iterations (while and for together) of one shot; a run
    that goes beyond it, or divides by zero, raises ValueError located at
    the operation (file:line:col: error: message)."""
    if isinstance(observables, str):
        observables = [observables]
    return _run(str(source), int(shots), int(seed), list(observables), bool(probabilities), bool(statevector),
                _bindings(inputs), list(map(str, include_dirs)), int(threads), str(precision),
                None if max_iterations is None else int(max_iterations))


def export(checkpoint, target="generic", emit="qasm3", sample=None, opt=2, coupling_map="", data_dir=None):
    """The trained circuit of a hybrid training checkpoint (lcqhnn,
    hybrid-cnn) as a job for `target`, the text `qforge export` writes:
    the quantum layer's weights bound, with `sample` (an index into the
    run's test split) the CNN trunk's output on that image bound too,
    compiled at -O`opt`, every qubit measured at the end. Imports torch
    (reading a checkpoint needs LibTorch). Raises RuntimeError naming the
    file when the checkpoint cannot be read, ValueError for bad options."""
    import torch  # noqa: F401 (loads the libtorch that _qforge_models links)

    from . import _qforge_models
    return _qforge_models.export(str(checkpoint), target, emit, -1 if sample is None else int(sample), int(opt),
                                 coupling_map, "" if data_dir is None else str(data_dir))


def _bindings(inputs):
    out = {}
    for name, value in (inputs or {}).items():
        try:
            out[name] = [float(v) for v in value]
        except TypeError:
            out[name] = [float(value)]
    return out


def __getattr__(name):
    # torch is imported only when the layer is used.
    if name == "QuantumLayer":
        from .layer import QuantumLayer
        return QuantumLayer
    raise AttributeError(f"module 'qforge' has no attribute {name!r}")
