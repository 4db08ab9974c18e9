# The simulation runs with the GIL released: other Python threads keep
# running during a call, concurrent calls on one circuit agree, and two
# Python threads running forward passes get more than 1.6x the throughput of
# one.
import hashlib
import threading
import time

import numpy as np
import pytest

import qforge

WIDE = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], 16] t;\nqubit[16] q;\n" + "".join(
    f"ry(t[{i}]) q[{i}];\ncx q[{i}], q[{(i + 1) % 16}];\n" for i in range(16)) * 4


@pytest.mark.parametrize("call", ["forward", "layer_forward", "layer_backward"])
def test_other_threads_run_during_a_simulation(call):
    c = qforge.Circuit(WIDE)
    c.bind_layer(["t"])
    sym = np.random.default_rng(0).uniform(0, 3, (32, c.num_symbols))
    if call == "layer_backward":
        out, tape = c.layer_forward(sym, [], True, 0, 0)
        grad = np.ones_like(out)
    started, done = threading.Event(), threading.Event()

    def work():
        started.set()  # the worker keeps the GIL from here into the call
        if call == "forward":
            c.forward(sym, keep_states=True)
        elif call == "layer_forward":
            c.layer_forward(sym, [], True, 0, 0)
        else:
            c.layer_backward(tape, grad, "adjoint", 0, 0, True, [])
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


def throughput(work, threads, calls):
    """Calls per second of `threads` Python threads each making `calls` calls of work()."""
    start = threading.Barrier(threads + 1)

    def loop():
        start.wait()
        for _ in range(calls):
            work()

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    return threads * calls / (time.perf_counter() - t0)


def best_scaling(work, calls, reps):
    """The best ratio of two threads' throughput to one thread's, each pair measured side by side."""
    return max(throughput(work, 2, calls) / throughput(work, 1, calls) for _ in range(reps))


def test_two_threads_run_forward_passes_in_parallel():
    import torch
    # 8 qubits, 960 gates, batch 64: milliseconds of simulation per call on
    # one OpenMP thread each (threads=1) in 256 KB of states (within a
    # core's L2), so the Python work per call (~50 us) is irrelevant; with
    # the GIL held the ratio would be 1.
    n = 8
    text = (f"OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], {n}] x;\n"
            f"input array[float[64], {n}] w;\nqubit[{n}] q;\n"
            + "".join(f"ry(x[{i}]) q[{i}];\nrz(w[{i}]) q[{i}];\ncx q[{i}], q[{(i + 1) % n}];\n" for i in range(n)) * 40)
    q = qforge.QuantumLayer(text, inputs="x", dtype=torch.float64, threads=1)
    x = torch.rand(64, n, dtype=torch.float64)
    q(x)
    # The machine is shared, and with the kernel's autogroup scheduling a
    # process's threads share its session's slice of the CPUs. So each round
    # measures the layer and, right after it, a control: what two threads of
    # GIL-free C code (sha256 of 8 MB, about as long as a call) get here and
    # now. The layer passes when two threads run it 1.6x as fast as one, or
    # at least 0.85 of the control's gain in the same round while the control
    # shows two threads running in parallel (>= 1.5x); with the GIL held it
    # would get 1x against the control's 1.5-2x.
    data = b"q" * (8 << 20)
    rounds = []
    for _ in range(6):
        ratio = best_scaling(lambda: q(x), calls=8, reps=1)
        control = best_scaling(lambda: hashlib.sha256(data).digest(), calls=8, reps=1)
        rounds.append((ratio, control))
        if ratio > 1.6 or (control >= 1.5 and ratio >= 0.85 * control):
            return
    seen = ", ".join(f"{r:.2f}x (sha256 {c:.2f}x)" for r, c in rounds)
    if max(c for _, c in rounds) < 1.5:
        pytest.skip(f"the machine is busy: two threads of sha256 never got 1.5x one; the layer: {seen}")
    assert False, f"two threads never ran forward passes in parallel: {seen}"
