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
The symbols are packed and their gradients reduced (over the batch, in
double) by the same code as the C++ qforge::QuantumLayer's, so the two give
bitwise equal outputs and gradients for the same circuit and values.
The layer pickles as its circuit text and options (the compiled circuit
compiles again on load), so torch.save / torch.load of the whole module,
copy.deepcopy and state_dict all work.
"""
import math
import re

import torch

from ._qforge import Circuit, source_text


class _Function(torch.autograd.Function):
    """(x [B, columns], *weights) -> outputs [B, K], through the circuit's
    layer_forward and layer_backward (packing, engine and reduction as the
    C++ qforge::QuantumLayer's). call: (circuit, diff, shots, seed)."""

    @staticmethod
    def forward(ctx, call, x, *weights):
        circuit, _, shots, seed = call
        out, ctx.tape = circuit.layer_forward(x.detach().numpy(), [w.detach().numpy() for w in weights], True, shots,
                                              seed)
        ctx.call = call
        return torch.from_numpy(out)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        circuit, diff, shots, seed = ctx.call
        want = ctx.needs_input_grad
        gx, gw = circuit.layer_backward(ctx.tape, grad_out.contiguous().numpy(), diff, shots, seed, want[1],
                                        list(want[2:]))
        return (None, None if gx is None else torch.from_numpy(gx),
                *(None if g is None else torch.from_numpy(g) for g in gw))


_DTYPES = (torch.float32, torch.float64)
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
        decls = [name for name, _, _ in self.circuit.inputs]
        for name in self.inputs:
            if name not in decls:
                raise ValueError(f"QuantumLayer: data input {name!r} is not an input of the circuit "
                                 f"(inputs: {', '.join(decls) or 'none'})")
        # The data inputs' scalars, in declaration order, are the forward
        # columns; every other input is a weight.
        weights = self.circuit.bind_layer(self.inputs)
        self.weight_names = [name for name, _ in weights]
        for name, shape in weights:
            self.register_parameter(name, torch.nn.Parameter(torch.empty(list(shape), dtype=dtype)))
        self.num_columns = self.circuit.num_columns
        self.num_data = self.num_columns - self.circuit.num_features
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
        weights = [getattr(self, n) for n in self.weight_names]
        dtype = weights[0].dtype if weights else self._dtype  # self.dtype
        if dtype not in _DTYPES:
            raise ValueError(f"QuantumLayer: computes in torch.float32 or torch.float64, not {dtype}")
        x = x.to(dtype).contiguous()
        weights = [w.to(dtype).contiguous() for w in weights]
        # Sample b of call k draws its shots from the stream (seed + k * 0x9E3779B97F4A7C15, b), as
        # qforge::QuantumLayer's.
        seed = (self.seed + self.calls * 0x9E3779B97F4A7C15) % (1 << 64)
        self.calls += 1
        circuit = self.circuit
        threads = self.threads or torch.get_num_threads()
        if circuit.threads != threads:
            circuit.threads = threads
        if torch.is_grad_enabled() and (x.requires_grad or any(w.requires_grad for w in weights)):
            y = _Function.apply((circuit, self.diff, self.shots, seed), x, *weights)
        else:
            y = torch.from_numpy(circuit.layer_forward(x.detach().numpy(), [w.detach().numpy() for w in weights], False,
                                                       self.shots, seed)[0])
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
            for name, shape, _ in self.circuit.inputs:  # the data columns in declaration order
                if name in self.inputs:
                    k = math.prod(shape)
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
