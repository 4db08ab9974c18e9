# DistributedDataParallel over gloo: two processes, each with its half of the
# batch; the averaged gradients equal one process's on the whole batch.
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import qforge
from conftest import LEAN


def model():
    torch.manual_seed(6)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), qforge.QuantumLayer(str(LEAN), inputs="x"))


def data():
    g = torch.Generator().manual_seed(7)
    return torch.randn(8, 3, generator=g), torch.randn(8, 4, generator=g)


def worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        ddp = torch.nn.parallel.DistributedDataParallel(model())
        x, y = data()
        shard = slice(rank * 4, rank * 4 + 4)
        torch.nn.functional.mse_loss(ddp(x[shard]), y[shard]).backward()
        torch.save({n: p.grad for n, p in ddp.module.named_parameters()}, f"{out}.{rank}")
    finally:
        dist.destroy_process_group()


def test_ddp_gloo_averages_the_gradients(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "grads")
    mp.spawn(worker, args=(2, port, out), nprocs=2, join=True)
    m = model()
    x, y = data()
    torch.nn.functional.mse_loss(m(x), y).backward()
    for rank in range(2):
        grads = torch.load(f"{out}.{rank}")
        assert set(grads) == {"0.weight", "0.bias", "1.theta"}
        for name, p in m.named_parameters():
            torch.testing.assert_close(grads[name], p.grad, atol=1e-6, rtol=1e-5)
