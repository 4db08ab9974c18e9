#!/usr/bin/env python3
"""The lean hybrid classifier in a plain PyTorch loop: a small CNN reduces a
Fashion-MNIST image to 4 features, the 4-qubit circuit of
circuits/lean_hybrid.qasm (data x[4], weights theta[4]) turns them into <Z_q>,
and a linear layer gives the 10 class scores. Gradients reach the CNN through
the circuit (adjoint method).

    PYTHONPATH=build/python /usr/bin/python3 python/examples/lean_hybrid_classifier.py
"""
import argparse
import gzip
import pathlib

import numpy as np
import torch
from torch import nn

import qforge

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")  # Debian: dataset-fashion-mnist


def idx(path):
    """A gzipped IDX file as a NumPy array."""
    raw = gzip.open(path).read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def dataset(split, n):
    images = idx(DATA / f"{split}-images-idx3-ubyte.gz")[:n]
    labels = idx(DATA / f"{split}-labels-idx1-ubyte.gz")[:n]
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    return torch.utils.data.TensorDataset(x, torch.from_numpy(labels.astype(np.int64)))


class LeanHybrid(nn.Module):
    def __init__(self, circuit):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
        self.quantum = qforge.QuantumLayer(circuit, inputs="x")  # theta[4]: nn.Parameter
        self.head = nn.Linear(4, 10)

    def forward(self, images):
        return self.head(self.quantum(self.trunk(images)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=12000, help="training images")
    ap.add_argument("--test", type=int, default=1000, help="test images")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--save", help="write the trained weights (state_dict) here")
    args = ap.parse_args()

    torch.manual_seed(0)
    model = LeanHybrid(str(ROOT / "circuits" / "lean_hybrid.qasm"))
    train = torch.utils.data.DataLoader(dataset("train", args.train), batch_size=64, shuffle=True)
    test = torch.utils.data.DataLoader(dataset("t10k", args.test), batch_size=256)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for images, labels in train:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            opt.step()
            total += loss.item() * len(labels)
        model.eval()
        with torch.no_grad():
            correct = sum((model(x).argmax(1) == y).sum().item() for x, y in test)
        print(f"epoch {epoch + 1}: loss {total / len(train.dataset):.4f}, "
              f"test accuracy {correct / len(test.dataset):.3f}, theta {model.quantum.theta.data.numpy().round(3)}")
    if args.save:
        torch.save(model.state_dict(), args.save)  # the circuit's theta is in it, as "quantum.theta"


if __name__ == "__main__":
    main()
