#!/usr/bin/env python3
"""bench_python - the Python QuantumLayer against the C++ layer and torch.

The lean hybrid circuit (circuits/lean_hybrid.qasm: data x[4], weights
theta[4]), batch 64, one thread, forward and forward + backward, through
  - qforge.Circuit from Python (NumPy in and out: the binding's cost alone),
  - qforge.QuantumLayer (torch.autograd.Function, float64 and float32),
  - a batched-torch implementation in Python: the state as a
    [batch, 2, 2, 2, 2] complex tensor, each gate an einsum, autograd,
  - and, side by side, build/bench/bench_layer --quick's rows for the C++
    runtime and qforge::QuantumLayer in LibTorch.
Prints a markdown table (median times) and the Python layer's cost per step
over the C++ layer's.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py [--build build]
"""
import argparse
import math
import pathlib
import re
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
LEAN = ROOT / "circuits" / "lean_hybrid.qasm"
BATCH = 64


def median_time(fn, budget=0.5, min_reps=10):
    fn()
    times, start = [], time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < budget:
        a = time.perf_counter()
        fn()
        times.append(time.perf_counter() - a)
    times.sort()
    return times[len(times) // 2]


def parse_time(text):
    """Seconds of a time as fmt() or bench_layer print it ("27.0 us", "1.65 ms")."""
    value, unit = text.split()
    return float(value) * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def fmt(s):
    return f"{s * 1e6:.1f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms"


class TorchLean(torch.nn.Module):
    """The lean hybrid circuit in batched torch ops (qubit q is bit q, so
    axis 4 - q of the [batch, 2, 2, 2, 2] state)."""

    def __init__(self, theta):
        super().__init__()
        self.theta = torch.nn.Parameter(theta.clone())

    @staticmethod
    def one(psi, gate, q):
        # gate: [2, 2] or [batch, 2, 2]
        psi = psi.movedim(4 - q, -1)
        psi = torch.einsum("b...j,bij->b...i", psi, gate) if gate.dim() == 3 else psi @ gate.T
        return psi.movedim(-1, 4 - q)

    @staticmethod
    def cx(psi, c, t):
        psi = psi.movedim((4 - c, 4 - t), (1, 2))
        psi = torch.stack([psi[:, 0], psi[:, 1].flip(1)], dim=1)
        return psi.movedim((1, 2), (4 - c, 4 - t))

    def forward(self, x):
        b = x.shape[0]
        cdt = torch.complex128 if x.dtype == torch.float64 else torch.complex64
        h = torch.tensor([[1, 1], [1, -1]], dtype=cdt) / math.sqrt(2)
        psi = torch.zeros(b, 16, dtype=cdt)
        psi[:, 0] = 1
        psi = psi.reshape(b, 2, 2, 2, 2)
        for q in range(4):
            psi = self.one(psi, h, q)
        for q in range(4):
            phase = torch.exp(1j * 2 * x[:, q].to(cdt))
            u1 = torch.zeros(b, 2, 2, dtype=cdt)
            u1[:, 0, 0] = 1
            u1[:, 1, 1] = phase
            psi = self.one(psi, u1, q)
        for c, t in [(0, 1), (1, 2), (2, 3)]:
            psi = self.cx(psi, c, t)
        for q in range(4):
            th = self.theta[q].to(x.dtype)
            c_, s_ = torch.cos(th / 2), torch.sin(th / 2)
            ry = torch.stack([torch.stack([c_, -s_]), torch.stack([s_, c_])]).to(cdt)
            psi = self.one(psi, ry, q)
        for c, t in [(2, 3), (1, 2), (0, 1)]:
            psi = self.cx(psi, c, t)
        psi = self.one(psi, h, 0)
        p = (psi.abs() ** 2).reshape(b, 16)
        idx = torch.arange(16)
        signs = torch.stack([1 - 2 * ((idx >> q) & 1) for q in range(4)], dim=1).to(p.dtype)
        return p @ signs


def cpp_rows(build):
    exe = build / "bench" / "bench_layer"
    if not exe.exists():
        return {}, f"({exe} not built)"
    out = subprocess.run([str(exe), "--quick"], capture_output=True, text=True, timeout=600).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r"\| (qforge[^|]*|TorchQuantum[^|]*) \| ([^|]+) \| ([^|]+) \|", line)
        if m:
            rows[m.group(1).strip()] = (m.group(2).strip(), m.group(3).strip())
    return rows, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build"), help="the build directory (for bench_layer)")
    args = ap.parse_args()

    import qforge  # noqa: E402 (after argparse, so --help works without the package)

    # One thread: torch's; the runtime runs a batch of 64 x 2^4 amplitudes on one
    # thread anyway (below BatchOptions::parallel_threshold).
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rows = []

    # qforge.Circuit from Python: NumPy in and out.
    circuit = qforge.Circuit(str(LEAN))
    for dt, name in [(np.float64, "fp64"), (np.float32, "fp32")]:
        sym = np.random.default_rng(0).uniform(0, 3, (BATCH, circuit.num_symbols)).astype(dt)
        g = np.ones((BATCH, circuit.num_outputs), dtype=dt)

        def fb():
            _, st = circuit.forward(sym, keep_states=True)
            circuit.backward(sym, None, st, g)

        rows.append((f"qforge.Circuit from Python (NumPy, {name})",
                     fmt(median_time(lambda: circuit.forward(sym))), fmt(median_time(fb))))

    # qforge.QuantumLayer and the batched-torch module.
    def layer_row(label, module, dtype):
        x = torch.rand(BATCH, 4, dtype=dtype) * 3

        def fwd():
            with torch.no_grad():
                module(x)

        def fb():
            xr = x.clone().requires_grad_()
            module(xr).sum().backward()

        return label, fmt(median_time(fwd)), fmt(median_time(fb))

    q64 = qforge.QuantumLayer(str(LEAN), inputs="x", dtype=torch.float64)
    q32 = qforge.QuantumLayer(str(LEAN), inputs="x", dtype=torch.float32)
    ref = TorchLean(q64.theta.detach())
    x = torch.rand(BATCH, 4, dtype=torch.float64)
    assert torch.allclose(ref(x), q64(x), atol=1e-12), "the batched-torch module disagrees with the layer"
    layer64 = layer_row("qforge.QuantumLayer (Python autograd.Function, fp64)", q64, torch.float64)
    rows.append(layer64)
    rows.append(layer_row("qforge.QuantumLayer (Python autograd.Function, fp32)", q32, torch.float32))
    rows.append(layer_row("batched torch ops in Python + autograd (fp64)", ref, torch.float64))

    cpp, note = cpp_rows(pathlib.Path(args.build))
    for name, (f, fb) in cpp.items():
        rows.append((name + " [bench_layer]", f, fb))

    print(f"Lean hybrid circuit (4 qubits), batch {BATCH}, 1 thread, median times\n")
    print("| implementation | forward | forward + backward |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    if note:
        print("\n" + note)
    # The Python layer's cost per step over the C++ layer's, from the rows above (same run).
    cpp64 = cpp.get("qforge::QuantumLayer (LibTorch autograd, fp64)")
    if cpp64:
        extra = [parse_time(layer64[k]) - parse_time(cpp64[k - 1]) for k in (1, 2)]
        print(f"\nPython layer over the C++ layer (fp64): forward +{fmt(extra[0])}, forward + backward +{fmt(extra[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
