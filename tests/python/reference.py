# An independent NumPy state-vector reference for the lean hybrid circuit
# (circuits/lean_hybrid.qasm), gate by gate as the file writes them. Basis
# index little-endian: qubit q is bit q.
import numpy as np

N = 4
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def u1(lam):
    return np.diag([1, np.exp(1j * lam)])


def ry(theta):
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return np.array([[c, -s], [s, c]])


def apply1(psi, gate, q):
    psi = psi.reshape([2] * N)
    axis = N - 1 - q
    psi = np.moveaxis(np.tensordot(gate, psi, axes=([1], [axis])), 0, axis)
    return psi.reshape(-1)


def cx(psi, c, t):
    out = psi.copy()
    for i in range(len(psi)):
        if i >> c & 1:
            out[i] = psi[i ^ (1 << t)]
    return out


def state(x, theta):
    psi = np.zeros(2**N, dtype=complex)
    psi[0] = 1
    for q in range(N):
        psi = apply1(psi, H, q)
    for q in range(N):
        psi = apply1(psi, u1(2 * x[q]), q)
    for c, t in [(0, 1), (1, 2), (2, 3)]:
        psi = cx(psi, c, t)
    for q in range(N):
        psi = apply1(psi, ry(theta[q]), q)
    for c, t in [(2, 3), (1, 2), (0, 1)]:
        psi = cx(psi, c, t)
    return apply1(psi, H, 0)


def z(psi, qubits):
    """<Z_{q1} Z_{q2} ...>."""
    idx = np.arange(len(psi))
    sign = np.ones(len(psi))
    for q in qubits:
        sign *= 1 - 2 * (idx >> q & 1)
    return float(np.sum(np.abs(psi) ** 2 * sign))


def expect_z(x, theta):
    psi = state(x, theta)
    return np.array([z(psi, [q]) for q in range(N)])


def jacobian(f, v, h=1e-6):
    """Central differences of f at v: [outputs, len(v)]."""
    cols = []
    for i in range(len(v)):
        e = np.zeros(len(v))
        e[i] = h
        cols.append((f(v + e) - f(v - e)) / (2 * h))
    return np.stack(cols, axis=1)
