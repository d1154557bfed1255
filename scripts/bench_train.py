#!/usr/bin/env python3
"""Training and inference throughput: genrespace (burn, CPU backend "flex") vs PyTorch CPU on the
same CNN/CRNN, batch 32, 1 x 128 x 128 inputs, in one run.

PyTorch uses torch.set_num_threads(2) (this machine has 2 cores; genrespace's backend uses both).
The architecture mirrors crates/classifier/src/model: conv 3x3 (no bias) -> batch-norm -> ReLU ->
max-pool per block, global average pool, dropout, linear (CNN); or the same blocks with
frequency-first pooling, a GRU and a linear head (CRNN). Adam with weight decay, cross-entropy.
Prints samples/s for both and the ratio genrespace / PyTorch.
"""
import argparse
import json
import subprocess
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)


class Block(nn.Module):
    def __init__(self, c_in, c_out, pool):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(c_out)
        self.pool = nn.MaxPool2d(pool)

    def forward(self, x):
        return self.pool(torch.relu(self.norm(self.conv(x))))


class Cnn(nn.Module):
    def __init__(self, channels, n_classes=8):
        super().__init__()
        ins = [1] + channels[:-1]
        self.blocks = nn.Sequential(*[Block(a, b, (2, 2)) for a, b in zip(ins, channels)])
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(channels[-1], n_classes)

    def forward(self, x):
        x = self.blocks(x).mean(dim=(2, 3))
        return self.head(self.drop(x))


class Crnn(nn.Module):
    def __init__(self, channels, pools=((2, 2), (4, 2), (4, 2), (4, 1)), hidden=64, n_classes=8):
        super().__init__()
        ins = [1] + channels[:-1]
        self.blocks = nn.Sequential(*[Block(a, b, p) for a, b, p in zip(ins, channels, pools)])
        freq = 128
        for p in pools:
            freq //= p[0]
        self.gru = nn.GRU(channels[-1] * max(freq, 1), hidden, batch_first=True)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = self.blocks(x)
        b, c, f, t = x.shape
        seq = x.permute(0, 3, 1, 2).reshape(b, t, c * f)
        out, _ = self.gru(seq)
        return self.head(self.drop(out[:, -1]))


def torch_rates(arch, channels, batch, steps, warmup, infer_batch):
    torch.manual_seed(0)
    model = Cnn(channels) if arch == "cnn" else Crnn(channels)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 1, 128, 128)
    y = torch.arange(batch) % 8
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    train = steps * batch / (time.perf_counter() - t0)
    model.eval()
    xi = torch.randn(infer_batch, 1, 128, 128)
    reps = max(5, 320 // infer_batch)
    with torch.no_grad():
        model(xi)
        t0 = time.perf_counter()
        for _ in range(reps):
            model(xi)
    infer = reps * infer_batch / (time.perf_counter() - t0)
    return train, infer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--arch", default="cnn", choices=["cnn", "crnn"])
    ap.add_argument("--channels", default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    # 16: the batch genrespace classifies and indexes with (predict.rs INFERENCE_BATCH).
    ap.add_argument("--infer-batch", type=int, default=16)
    a = ap.parse_args()
    default = "32,64,128,128" if a.arch == "cnn" else "32,64,64,64"
    channels = a.channels or default
    cmd = [a.harness, "--arch", a.arch, "--channels", channels, "--batch", str(a.batch), "--steps", str(a.steps), "--warmup", str(a.warmup),
           "--infer-batch", str(a.infer_batch)]
    ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    t_train, t_infer = torch_rates(a.arch, [int(c) for c in channels.split(",")], a.batch, a.steps, a.warmup, a.infer_batch)
    print(f"{a.arch} [{channels}], batch {a.batch} (inference {a.infer_batch}), 1x128x128, {a.steps} timed steps after {a.warmup} warm-up")
    print(f"{'':12} {'train samples/s':>16} {'inference slices/s':>19}")
    print(f"{'genrespace':12} {ours['train_samples_per_s']:16.1f} {ours['inference_slices_per_s']:19.1f}")
    print(f"{'PyTorch ' + torch.__version__.split('+')[0]:12} {t_train:16.1f} {t_infer:19.1f}")
    print(f"RATIO genrespace / PyTorch: training {ours['train_samples_per_s'] / t_train:.2f}x, "
          f"inference {ours['inference_slices_per_s'] / t_infer:.2f}x")


if __name__ == "__main__":
    main()
