# A QuantumLayer survives torch.save / torch.load (in a fresh process),
# copy.deepcopy, pickle, state_dict and DataLoader workers.
import copy
import os
import pickle
import subprocess
import sys

import torch

import qforge


def make(lean_path, **kw):
    torch.manual_seed(4)
    return qforge.QuantumLayer(lean_path, inputs="x", **kw)


def _env():
    # The child finds this qforge however the parent found it.
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(qforge.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    return env


def test_save_whole_module_and_load_in_a_fresh_process(lean_path, tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), make(lean_path, observables=["Z0", "Z1 Z2"]))
    x = torch.randn(5, 3)
    torch.save({"model": model, "x": x, "y": model(x).detach()}, tmp_path / "m.pt")
    # Loading needs neither the circuit file nor the original working directory.
    script = ("import sys, torch\n"
              "d = torch.load(sys.argv[1])\n"
              "y = d['model'](d['x'])\n"
              "assert torch.equal(y.detach(), d['y']), (y, d['y'])\n"
              "y.sum().backward()\n"
              "assert d['model'][1].theta.grad is not None\n"
              "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.pt")], cwd=tmp_path,
                         env=_env(), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_deepcopy_is_independent(lean_path):
    q = make(lean_path, dtype=torch.float64)
    c = copy.deepcopy(q)
    x = torch.rand(3, 4, dtype=torch.float64)
    assert torch.equal(q(x), c(x))
    with torch.no_grad():
        c.theta.add_(1)
    assert not torch.equal(q(x), c(x))
    assert c.circuit is not q.circuit and c.circuit.source == q.circuit.source


def test_pickle_keeps_the_options(lean_path):
    q = make(lean_path, observables=["X0"], diff="shift", dtype=torch.float64)
    p = pickle.loads(pickle.dumps(q))
    assert (p.diff, p.dtype, p.inputs, p.circuit.observables) == ("shift", torch.float64, ["x"], ["X0"])
    x = torch.rand(2, 4, dtype=torch.float64)
    assert torch.equal(p(x), q(x))


def test_state_dict_round_trip(lean_path):
    a, b = make(lean_path), qforge.QuantumLayer(lean_path, inputs="x")
    b.load_state_dict(a.state_dict())
    x = torch.rand(3, 4)
    assert torch.equal(a(x), b(x))


class _Dataset(torch.utils.data.Dataset):
    def __init__(self, layer):
        self.layer = layer

    def __len__(self):
        return 8

    def __getitem__(self, i):
        with torch.no_grad():
            return self.layer(torch.full((4,), 0.1 * i))


def test_layer_in_dataloader_workers(lean_path):
    q = make(lean_path)
    q(torch.rand(64, 4))  # the parent has run the simulator before the workers start
    loader = torch.utils.data.DataLoader(_Dataset(q), batch_size=4, num_workers=2)
    got = torch.cat(list(loader))
    with torch.no_grad():
        want = q(0.1 * torch.arange(8.0).unsqueeze(1).expand(8, 4))
    assert torch.equal(got, want)


def test_pickle_keeps_the_readout_and_the_embedding(lean_path):
    q = make(lean_path, probabilities=True, amplitude=2)
    p = pickle.loads(pickle.dumps(q))
    assert (p.circuit.probabilities, p.circuit.amplitude, p.num_columns) == (True, 2, 6)
    x = torch.rand(3, 6)
    assert torch.equal(p(x), q(x))
