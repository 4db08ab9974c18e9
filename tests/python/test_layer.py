# qforge.QuantumLayer: outputs and gradients against an independent NumPy
# reference and the executor, gradcheck, dtypes, batches, errors.
import numpy as np
import pytest
import torch

import qforge
from torch.nn.utils.stateless import functional_call
from reference import expect_z, jacobian, state, z


def layer(path, **kw):
    torch.manual_seed(0)
    return qforge.QuantumLayer(path, inputs="x", dtype=torch.float64, **kw)


def test_weights_are_parameters_named_after_the_inputs(lean_path):
    q = layer(lean_path)
    assert [n for n, _ in q.named_parameters()] == ["theta"]
    assert q.theta.shape == (4,) and q.theta.dtype == torch.float64
    assert q.num_columns == 4 and q.num_outputs == 4
    assert list(q.state_dict()) == ["theta"]


def test_forward_matches_numpy_reference(lean_path):
    q = layer(lean_path)
    x = torch.rand(5, 4, dtype=torch.float64) * 3
    y = q(x).detach().numpy()
    for b in range(5):
        np.testing.assert_allclose(y[b], expect_z(x[b].numpy(), q.theta.detach().numpy()), atol=1e-12)


def test_forward_matches_the_executor(lean_path):
    q = layer(lean_path)
    x = [0.3, -1.2, 2.0, 0.7]
    y = q(torch.tensor(x, dtype=torch.float64))
    r = qforge.run(lean_path, observables=[f"Z{i}" for i in range(4)],
                   inputs={"x": x, "theta": q.theta.tolist()})
    np.testing.assert_allclose(y.detach().numpy(), r["expectations"], atol=1e-12)


def test_gradients_match_finite_differences_of_the_reference(lean_path):
    q = layer(lean_path)
    x = torch.tensor([[0.3, -1.2, 2.0, 0.7]], dtype=torch.float64, requires_grad=True)
    g = torch.tensor([[1.0, -2.0, 0.5, 3.0]], dtype=torch.float64)
    (q(x) * g).sum().backward()
    theta = q.theta.detach().numpy()
    jx = jacobian(lambda v: expect_z(v, theta), x.detach().numpy()[0])
    jt = jacobian(lambda v: expect_z(x.detach().numpy()[0], v), theta)
    np.testing.assert_allclose(x.grad.numpy()[0], g.numpy()[0] @ jx, atol=1e-8)
    np.testing.assert_allclose(q.theta.grad.numpy(), g.numpy()[0] @ jt, atol=1e-8)


@pytest.mark.parametrize("diff", ["adjoint", "shift"])
def test_gradcheck_inputs_and_weights(lean_path, diff):
    q = layer(lean_path, diff=diff)
    x = torch.rand(3, 4, dtype=torch.float64, requires_grad=True)
    theta = q.theta.detach().clone().requires_grad_()
    f = lambda x, theta: functional_call(q, {"theta": theta}, (x,))  # noqa: E731
    assert torch.autograd.gradcheck(f, (x, theta))


def test_gradcheck_observables(lean_path):
    q = layer(lean_path, observables=["Z0 Z1", "0.5*X2 - Y3", "Z0 Z1 Z2 Z3"])
    x = torch.rand(2, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(q, (x,))
    psi = state(x[0].detach().numpy(), q.theta.detach().numpy())
    assert q(x)[0, 0].item() == pytest.approx(z(psi, [0, 1]), abs=1e-12)
    assert q(x)[0, 2].item() == pytest.approx(z(psi, [0, 1, 2, 3]), abs=1e-12)


def test_input_gradients_flow_through_linear_layer_and_loss(lean_path):
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), qforge.QuantumLayer(lean_path, inputs="x"),
                                torch.nn.Linear(4, 2))
    x = torch.randn(16, 8, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(model(x), torch.randint(0, 2, (16,)))
    loss.backward()
    assert x.grad.abs().sum() > 0
    assert model[0].weight.grad.abs().sum() > 0
    assert model[1].theta.grad.abs().sum() > 0


@pytest.mark.parametrize("batch", [1, 3, 64, 257])
def test_float32_matches_float64_for_any_batch(lean_path, batch):
    torch.manual_seed(2)
    q32 = qforge.QuantumLayer(lean_path, inputs="x")
    q64 = qforge.QuantumLayer(lean_path, inputs="x", dtype=torch.float64)
    q64.load_state_dict({"theta": q32.theta.double()})
    x = torch.randn(batch, 4, requires_grad=True)
    x64 = x.detach().double().requires_grad_()
    y32, y64 = q32(x), q64(x64)
    assert y32.dtype == torch.float32 and y32.shape == (batch, 4)
    torch.testing.assert_close(y32.double(), y64, atol=2e-6, rtol=0)
    y32.sum().backward()
    y64.sum().backward()
    torch.testing.assert_close(x.grad.double(), x64.grad, atol=1e-5, rtol=0)
    torch.testing.assert_close(q32.theta.grad.double(), q64.theta.grad, atol=1e-4, rtol=0)


def test_single_sample_and_no_grad(lean_path):
    q = layer(lean_path)
    x = torch.rand(4, dtype=torch.float64)
    assert q(x).shape == (4,)
    with torch.no_grad():
        y = q(x.unsqueeze(0))
    assert not y.requires_grad
    torch.testing.assert_close(y[0], q(x).detach())


def test_shots_estimate_the_exact_values(lean_path):
    q = layer(lean_path, shots=20000, seed=3)
    exact = layer(lean_path)
    x = torch.rand(2, 4, dtype=torch.float64)
    torch.testing.assert_close(q(x), exact(x), atol=0.05, rtol=0)


def test_errors(lean_path):
    q = layer(lean_path)
    with pytest.raises(ValueError, match=r"the input must be \[batch, 4\]"):
        q(torch.rand(2, 3))
    with pytest.raises(ValueError, match="'y' is not an input of the circuit"):
        qforge.QuantumLayer(lean_path, inputs="y")
    with pytest.raises(ValueError, match="diff must be"):
        qforge.QuantumLayer(lean_path, inputs="x", diff="fd")
    with pytest.raises(ValueError, match=r"^<string>:2:\d+: error: "):
        qforge.QuantumLayer("OPENQASM 3.0;\nqubit q; frob q;\n")


def test_data_inputs_declared_after_the_weights(lean_path):
    # theta as the data and x as the weight: the columns are gathered into
    # symbol order.
    torch.manual_seed(5)
    q = qforge.QuantumLayer(lean_path, inputs="theta", dtype=torch.float64)
    assert [n for n, _ in q.named_parameters()] == ["x"]
    t = torch.rand(3, 4, dtype=torch.float64, requires_grad=True)
    y = q(t)
    for b in range(3):
        np.testing.assert_allclose(y[b].detach().numpy(), expect_z(q.x.detach().numpy(), t[b].detach().numpy()),
                                   atol=1e-12)
    x = q.x.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda t, x: functional_call(q, {"x": x}, (t,)), (t, x))


def test_trained_circuit_compiles_with_its_weights_bound(lean_path):
    q = layer(lean_path)
    x = torch.tensor([0.3, -1.2, 2.0, 0.7], dtype=torch.float64)
    job = q.compile(x, opt=1, target="ibm_heron")
    assert job.startswith("OPENQASM 3.0;") and "input" not in job
    assert "input array[float[64], 4] x;" in q.compile()  # data left as an input
    # The bound circuit gives the layer's outputs.
    r = qforge.run(q.compile(x), observables=[f"Z{i}" for i in range(4)])
    np.testing.assert_allclose(r["expectations"], q(x).detach().numpy(), atol=1e-9)
    with pytest.raises(ValueError, match="one sample has 4 values"):
        q.bindings(torch.zeros(3))


def test_probabilities_readout(lean_path):
    q = layer(lean_path, probabilities=True)
    x = torch.rand(2, 4, dtype=torch.float64, requires_grad=True)
    y = q(x)
    assert y.shape == (2, 16)
    psi = state(x[1].detach().numpy(), q.theta.detach().numpy())
    np.testing.assert_allclose(y[1].detach().numpy(), np.abs(psi) ** 2, atol=1e-12)
    assert torch.autograd.gradcheck(q, (x,))


EMBED = """OPENQASM 3.0;
include "stdgates.inc";
pragma qforge.initial_state amplitude(3)
input float[64] a;
qubit[2] q;
ry(a) q[0];
cx q[0], q[1];
"""


def test_amplitude_embedding_from_the_pragma():
    torch.manual_seed(8)
    q = qforge.QuantumLayer(EMBED, observables=["Z0", "Z1", "X0 X1"], dtype=torch.float64)
    assert q.num_columns == 3 and q.circuit.amplitude == 3
    f = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0]], dtype=torch.float64, requires_grad=True)
    y = q(f)
    for b in range(2):
        v = np.append(f[b].detach().numpy(), 0)  # zero-padded to 2^2, normalised
        psi = v / np.linalg.norm(v)
        c, s = np.cos(q.a.item() / 2), np.sin(q.a.item() / 2)
        psi = psi.reshape(2, 2)  # [q1, q0]
        psi = psi @ np.array([[c, -s], [s, c]]).T  # ry on q0
        psi = psi.reshape(-1)[[0, 3, 2, 1]]  # cx q0 -> q1 swaps |01> and |11>
        zz = np.array([1, -1, 1, -1]), np.array([1, 1, -1, -1])
        xx = psi[::-1]
        np.testing.assert_allclose(y[b].detach().numpy(),
                                   [np.sum(psi**2 * zz[0]), np.sum(psi**2 * zz[1]), np.sum(psi * xx)], atol=1e-12)
    a = q.a.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda f, a: functional_call(q, {"a": a}, (f,)), (f, a))
    assert qforge.QuantumLayer(EMBED, amplitude=0).num_columns == 0


def test_module_double_switches_the_simulation_dtype(lean_path):
    q = qforge.QuantumLayer(lean_path, inputs="x").double()
    assert q.dtype == torch.float64 and q(torch.rand(2, 4)).dtype == torch.float64
    with pytest.raises(ValueError, match="amplitude-embedded"):
        qforge.QuantumLayer(EMBED).compile()


TWO_DATA = """OPENQASM 3.0;
include "stdgates.inc";
input float[64] a;
input array[float[64], 2] w;
input array[float[64], 2] b;
qubit[2] q;
rx(a) q[0];
ry(w[0]) q[0];
rx(b[0]) q[1];
cx q[0], q[1];
ry(w[1] * b[1]) q[1];
"""


def test_data_columns_follow_the_declaration_order():
    # inputs listed as b, a: the columns are still a, then b[0], b[1].
    q = qforge.QuantumLayer(TWO_DATA, inputs=["b", "a"], dtype=torch.float64)
    assert q.weight_names == ["w"] and q.num_columns == 3
    x = torch.tensor([[0.3, -1.1, 0.8], [2.0, 0.4, -0.6]], dtype=torch.float64)
    y = q(x)
    for k in range(2):
        r = qforge.run(TWO_DATA, observables=["Z0", "Z1"],
                       inputs={"a": x[k, 0].item(), "b": x[k, 1:].tolist(), "w": q.w.tolist()})
        np.testing.assert_allclose(y[k].detach().numpy(), r["expectations"], atol=1e-12)
    assert q.bindings(x[1]) == {"w": q.w.tolist(), "a": [2.0], "b": [0.4, -0.6]}
