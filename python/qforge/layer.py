"""QuantumLayer: an OpenQASM circuit as a torch.nn.Module.

    layer = qforge.QuantumLayer("circuits/lean_hybrid.qasm", inputs="x")
    y = layer(x)               # x: [batch, 4] -> y: [batch, 4] (<Z_q> per qubit)
    layer.theta                # nn.Parameter, shape [4]: the other input

The circuit's `input` declarations named in `inputs` are the columns of the
forward argument (declaration order, row-major within an array); every other
input is an nn.Parameter named after it, with the declared shape. With an
amplitude embedding (`pragma qforge.initial_state amplitude(k)` in the file,
or amplitude=k), the last k columns are the initial state's amplitudes.
Outputs are <Z_q> for every qubit, the expectation of each Pauli-sum
observable, or the probability of every basis state.

Forward and backward run the whole batch in the C++ runtime
(sim::BatchCircuit) with the GIL released; backward is the adjoint
vector-Jacobian product ("adjoint") or the parameter-shift rule ("shift").
The layer pickles as its circuit text and options (the compiled circuit
compiles again on load), so torch.save / torch.load of the whole module,
copy.deepcopy and state_dict all work.
"""
import math
import re

import torch

from ._qforge import Circuit, source_text


class _Function(torch.autograd.Function):
    """(symbols [B, S], features [B, F] or None) -> outputs [B, K]."""

    @staticmethod
    def forward(ctx, symbols, features, circuit, diff, shots, seed):
        s = symbols.detach().contiguous()
        f = None if features is None else features.detach().contiguous()
        keep = any(ctx.needs_input_grad[:2])
        out, states = circuit.forward(s.numpy(), None if f is None else f.numpy(), keep, shots, seed)
        if keep:
            ctx.circuit, ctx.diff, ctx.states, ctx.features = circuit, diff, states, f
            ctx.save_for_backward(s)
        return torch.from_numpy(out)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        (s,) = ctx.saved_tensors
        f = ctx.features
        g = grad_out.to(s.dtype).contiguous()
        gs, gf = ctx.circuit.backward(s.numpy(), None if f is None else f.numpy(), ctx.states, g.numpy(), ctx.diff)
        return torch.from_numpy(gs), None if gf is None else torch.from_numpy(gf), None, None, None, None


_AMPLITUDE_PRAGMA = re.compile(r"^\s*#?pragma\s+qforge\.initial_state\s+amplitude\(\s*(\d+)\s*\)", re.M)


class QuantumLayer(torch.nn.Module):
    """An OpenQASM circuit (text or path) as a differentiable layer.

    inputs: name or list of names of the data inputs (the forward columns).
    observables: None (<Z_q> per qubit) or Pauli sums such as ["Z0", "Z0 Z1"].
    probabilities: output the probability of every basis state instead.
    amplitude: k > 0 embeds the last k forward columns as the initial state
      (zero-padded to 2^n, normalised per sample; gradients reach them); 0:
      |0...0>; None: as the circuit's `pragma qforge.initial_state
      amplitude(k)` line says, else 0.
    diff: "adjoint" (exact, about two forward passes) or "shift" (the
      parameter-shift rule, what hardware can do).
    dtype: torch.float32 or torch.float64, of the weights and the simulation.
    init: (low, high) of the uniform initial weights.
    shots: > 0 makes the outputs estimates from that many shots per sample
      (seed: the first call's stream; each call advances it).
    threads: OpenMP threads over the batch; 0: torch.get_num_threads() at
      each call. Outputs do not depend on it.
    """

    def __init__(self, circuit, inputs=(), observables=None, probabilities=False, amplitude=None, diff="adjoint",
                 dtype=torch.float32, init=(0.0, 2 * math.pi), shots=0, seed=0, threads=0, include_dirs=()):
        super().__init__()
        if diff not in ("adjoint", "shift"):
            raise ValueError(f"QuantumLayer: diff must be 'adjoint' or 'shift', got {diff!r}")
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"QuantumLayer: dtype must be torch.float32 or torch.float64, got {dtype}")
        if isinstance(inputs, str):
            inputs = [inputs]
        if isinstance(observables, str):
            observables = [observables]
        include_dirs = [str(d) for d in include_dirs]
        if amplitude is None:
            text = source_text(str(circuit))
            m = _AMPLITUDE_PRAGMA.search(text)
            amplitude = int(m.group(1)) if m else 0
        self.circuit = Circuit(str(circuit), list(observables or []), bool(probabilities), int(amplitude),
                               include_dirs)
        self.inputs = list(inputs)
        self.diff, self._dtype, self.shots, self.seed, self.calls = diff, dtype, int(shots), int(seed), 0
        self.threads = int(threads)
        decls = {name: (shape, first) for name, shape, first in self.circuit.inputs}
        for name in self.inputs:
            if name not in decls:
                raise ValueError(f"QuantumLayer: data input {name!r} is not an input of the circuit "
                                 f"(inputs: {', '.join(decls) or 'none'})")
        # Column order of the packed symbols: data scalars, then each weight's.
        order = []
        for name in self.inputs:
            shape, first = decls[name]
            order += range(first, first + math.prod(shape))
        self.weight_names = [name for name in decls if name not in self.inputs]
        for name in self.weight_names:
            shape, first = decls[name]
            order += range(first, first + math.prod(shape))
            self.register_parameter(name, torch.nn.Parameter(torch.empty(list(shape), dtype=dtype)))
        self.num_data = len(order) - sum(getattr(self, n).numel() for n in self.weight_names)
        self.num_columns = self.num_data + self.circuit.num_features
        # symbols[:, s] = packed[:, position of s in `order`]
        perm = [0] * len(order)
        for position, symbol in enumerate(order):
            perm[symbol] = position
        self.register_buffer("_perm", torch.tensor(perm, dtype=torch.long), persistent=False)
        self._in_order = perm == list(range(len(perm)))  # data inputs declared first: no gather
        self.reset_parameters(init)

    @property
    def num_outputs(self):
        return self.circuit.num_outputs

    @property
    def dtype(self):
        """The dtype of the simulation: the weights' (so module.double()
        switches it), or the constructor's when there are no weights."""
        if self.weight_names:
            return getattr(self, self.weight_names[0]).dtype
        return self._dtype

    def reset_parameters(self, init=(0.0, 2 * math.pi)):
        with torch.no_grad():
            for name in self.weight_names:
                getattr(self, name).uniform_(*init)

    def forward(self, x):
        single = x.dim() == 1
        x = x.unsqueeze(0) if single else x
        if x.dim() != 2 or x.shape[1] != self.num_columns:
            raise ValueError(f"QuantumLayer: the input must be [batch, {self.num_columns}] (the data inputs "
                             f"{', '.join(self.inputs) or 'none'}, then {self.circuit.num_features} features), "
                             f"got {list(x.shape)}")
        dtype = self.dtype
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"QuantumLayer: computes in torch.float32 or torch.float64, not {dtype}")
        x = x.to(dtype)
        batch = x.shape[0]
        weights = [getattr(self, n).to(dtype).reshape(1, -1).expand(batch, -1) for n in self.weight_names]
        parts = [x[:, :self.num_data]] + weights
        symbols = torch.cat(parts, dim=1)
        if not self._in_order:
            symbols = symbols.index_select(1, self._perm)
        seed = self.seed
        if self.shots:
            seed, self.calls = self.seed + self.calls, self.calls + 1
        features = x[:, self.num_data:] if self.circuit.num_features else None
        threads = self.threads or torch.get_num_threads()
        if self.circuit.threads != threads:
            self.circuit.threads = threads
        y = _Function.apply(symbols, features, self.circuit, self.diff, self.shots, seed)
        return y.squeeze(0) if single else y

    def bindings(self, x=None):
        """{input name: values} of the current weights and, with `x` (one
        sample, [num_columns]), of the data inputs: what qforge.compile,
        draw and run take as `inputs`."""
        out = {n: getattr(self, n).detach().double().reshape(-1).tolist() for n in self.weight_names}
        if x is not None:
            values = torch.as_tensor(x, dtype=torch.float64).reshape(-1).tolist()
            if len(values) != self.num_columns:
                raise ValueError(f"QuantumLayer: one sample has {self.num_columns} values, got {len(values)}")
            decls = {name: shape for name, shape, _ in self.circuit.inputs}
            for name in self.inputs:
                k = math.prod(decls[name])
                out[name], values = values[:k], values[k:]
        return out

    def compile(self, x=None, opt=0, target="generic", emit="qasm3", coupling_map=""):
        """The circuit with the trained weights bound (and one sample `x`, if
        given), compiled as qforge.compile does: e.g. a job for a device.
        Not for amplitude-embedded circuits (the state preparation is not
        emitted)."""
        if self.circuit.amplitude:
            raise ValueError("QuantumLayer.compile: the circuit starts from an amplitude-embedded state, "
                             "which the compiled text would not prepare")
        from . import compile as compile_source
        return compile_source(self.circuit.source, opt=opt, target=target, emit=emit, coupling_map=coupling_map,
                              include_dirs=self.circuit.include_dirs, inputs=self.bindings(x))

    def extra_repr(self):
        obs = self.circuit.observables
        return (f"{self.circuit.name!r}, qubits={self.circuit.num_qubits}, inputs={self.inputs}, "
                f"weights={self.weight_names}, outputs={self.num_outputs}"
                + (f", observables={obs}" if obs else "") + f", diff={self.diff!r}, dtype={self.dtype}")
