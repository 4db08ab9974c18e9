# The simulation runs with the GIL released: other Python threads keep
# running during a call, concurrent calls on one circuit agree, and two
# Python threads running forward passes get as much from a second CPU as two
# processes running them do.
import os
import statistics
import subprocess
import sys
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


# The layer of the throughput test: 8 qubits, 960 gates, batch 64, one
# OpenMP thread per call (threads=1). A call is milliseconds of simulation in
# 256 KB of states, so the Python work per call (~50 us) is irrelevant; with
# the GIL held two threads would get 1x one thread's throughput.
LAYER = r"""
import torch, qforge
n = 8
text = (f"OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput array[float[64], {n}] x;\n"
        f"input array[float[64], {n}] w;\nqubit[{n}] q;\n"
        + "".join(f"ry(x[{i}]) q[{i}];\nrz(w[{i}]) q[{i}];\ncx q[{i}], q[{(i + 1) % n}];\n" for i in range(n)) * 40)
q = qforge.QuantumLayer(text, inputs="x", dtype=torch.float64, threads=1)
x = torch.rand(64, n, dtype=torch.float64)
q(x)
work = lambda: q(x)
"""

# A worker process for the control: it builds the same layer, then for each
# line "T0 D" on stdin makes calls from wall-clock time T0 until T0 + D and
# prints how many it finished.
WORKER = LAYER + r"""
import sys, time
print("ready", flush=True)
for line in sys.stdin:
    t0, d = map(float, line.split())
    time.sleep(max(0.0, t0 - time.time()))
    calls = 0
    while time.time() < t0 + d:
        work()
        calls += 1
    print(calls, flush=True)
"""

DURATION = 0.4  # seconds of calls per measurement: about 50 calls of the layer


def thread_rate(work, threads):
    """Calls per second of `threads` Python threads calling work() for DURATION seconds."""
    start = threading.Barrier(threads + 1)
    counts = [0] * threads

    def loop(i):
        start.wait()
        end = time.perf_counter() + DURATION
        while time.perf_counter() < end:
            work()
            counts[i] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    for t in pool:
        t.join()
    return sum(counts) / DURATION


def process_rate(workers):
    """Calls per second of the worker processes, started together."""
    t0 = time.time() + 0.05
    for w in workers:
        w.stdin.write(f"{t0} {DURATION}\n")
        w.stdin.flush()
    return sum(int(w.stdout.readline()) for w in workers) / DURATION


def test_two_threads_run_forward_passes_in_parallel():
    # What two threads can get depends on the machine: two cores give the
    # layer 1.7-2x one core, but two hardware threads of one core (SMT) give
    # this arithmetic-bound kernel far less, and the machine is shared. So the
    # control is the same work in two processes, which share no GIL: each
    # round measures one thread, two threads, one process and two processes
    # side by side. A busy machine moves single rounds either way (a slowed
    # one-thread measurement shows 1.3x for a GIL-bound call), so the medians
    # over the rounds decide: the layer passes when its median two-thread gain
    # is at least 0.85 of the median two-process gain; with the GIL held it
    # would get 1x against the processes' 1.5-2x.
    scope = {}
    exec(LAYER, scope)
    work = scope["work"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    workers = [subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, env=env) for _ in range(2)]
    try:
        for w in workers:
            assert w.stdout.readline().strip() == "ready"
        rounds = []
        for _ in range(6):
            threads = thread_rate(work, 2) / thread_rate(work, 1)
            processes = process_rate(workers) / process_rate(workers[:1])
            rounds.append((threads, processes))
            threads, processes = (statistics.median(r) for r in zip(*rounds))
            if len(rounds) >= 3 and processes >= 1.5 and threads >= 0.85 * processes:
                return
    finally:
        for w in workers:
            w.stdin.close()
            w.wait()
    seen = ", ".join(f"{t:.2f}x (two processes {p:.2f}x)" for t, p in rounds)
    if processes < 1.5:
        pytest.skip(f"two processes of the layer got {processes:.2f}x one here (median), not 1.5x (a busy "
                    f"machine, or one core's two hardware threads); two threads of it: {seen}")
    assert False, f"two threads never ran forward passes in parallel: {seen}"
