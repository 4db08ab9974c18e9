# The simulation runs with the GIL released: other Python threads keep
# running during a call, and concurrent calls on one circuit agree.
import threading

import numpy as np

import qforge

WIDE = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 16] t;\nqubit[16] q;\n" + "".join(
    f"ry(t[{i}]) q[{i}];\ncx q[{i}], q[{(i + 1) % 16}];\n" for i in range(16)) * 4


def test_other_threads_run_during_a_simulation():
    c = qforge.Circuit(WIDE)
    sym = np.random.default_rng(0).uniform(0, 3, (32, c.num_symbols))
    started, done = threading.Event(), threading.Event()

    def work():
        started.set()  # the worker keeps the GIL from here into the call
        c.forward(sym, keep_states=True)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    started.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
    worker.join()
    # About 0.2 s of simulation: millions of ticks when the GIL is released,
    # next to none when the call holds it.
    assert ticks > 100000


def test_concurrent_calls_agree(lean_path):
    c = qforge.Circuit(lean_path)
    sym = np.random.default_rng(1).uniform(0, 3, (512, c.num_symbols))
    want, states = c.forward(sym, keep_states=True)
    grad, _ = c.backward(sym, None, states, np.ones_like(want))
    results = [None] * 4

    def work(i):
        y, st = c.forward(sym, keep_states=True)
        results[i] = (y, c.backward(sym, None, st, np.ones_like(y))[0])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for y, g in results:
        assert np.array_equal(y, want) and np.array_equal(g, grad)


def test_layer_follows_torch_threads_and_gives_the_same_outputs(lean_path):
    import torch
    q = qforge.QuantumLayer(lean_path, inputs="x", dtype=torch.float64)
    x = torch.rand(1024, 4, dtype=torch.float64)  # 1024 x 2^4: above the parallel threshold
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = q(x)
        assert q.circuit.threads == 1
        torch.set_num_threads(2)
        assert torch.equal(q(x), one) and q.circuit.threads == 2
    finally:
        torch.set_num_threads(before)
    q.threads = 1
    assert torch.equal(q(x), one) and q.circuit.threads == 1
