#!/usr/bin/env python3
"""Training and inference throughput: genrespace (burn, CPU backend "flex") vs PyTorch CPU on the
same CNN/CRNN (batch 32, 1 x 128 x 128 inputs) or msd-musicnn (1 x 96 x 187 patches, 50 tags), in
one run. With --device gpu: genrespace on wgpu (a harness built with the `wgpu` feature) vs
PyTorch CUDA on the same GPU.

On the CPU PyTorch uses torch.set_num_threads(2) (this machine has 2 cores; genrespace's backend
uses both).
The architecture mirrors crates/classifier/src/model: conv 3x3 (no bias) -> batch-norm -> ReLU ->
max-pool per block, global average pool, dropout, linear (CNN); or the same blocks with
frequency-first pooling, a GRU and a linear head (CRNN); musicnn as
crates/classifier/src/model/musicnn.rs (TensorFlow's layer order and padding). Adam with weight
decay, cross-entropy.
Prints samples/s for both and the ratio genrespace / PyTorch.
"""
import argparse
import json
import subprocess
import sys
import time

import torch
import torch.nn as nn


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


def tf_norm(n, dims=2):
    """TensorFlow's batch-norm defaults (epsilon 1e-3, moving-average momentum 0.99)."""
    return (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(n, eps=1e-3, momentum=0.01)


class Front(nn.Module):
    """conv over (time, mel) -> ReLU -> batch-norm -> max over mel: [b, 1, time, mel] -> [b, f, time]."""

    def __init__(self, filters, length, height):
        super().__init__()
        self.pad = ((length - 1) // 2, length // 2)
        self.conv = nn.Conv2d(1, filters, (length, height))
        self.norm = tf_norm(filters)

    def forward(self, x):
        x = nn.functional.pad(x, (0, 0, *self.pad))
        return self.norm(torch.relu(self.conv(x))).amax(dim=3)


class Musicnn(nn.Module):
    def __init__(self, n_mels=96, n_classes=50, timbral=204, temporal=51, mid=64, units=200):
        super().__init__()
        self.input_norm = tf_norm(1)
        self.front = nn.ModuleList([Front(timbral, 7, int(f * n_mels)) for f in (0.4, 0.7)] +
                                   [Front(temporal, length, 1) for length in (128, 64, 32)])
        c = 2 * timbral + 3 * temporal
        self.mid = nn.ModuleList([nn.Conv1d(c if i == 0 else mid, mid, 7, padding=3) for i in range(3)])
        self.mid_norm = nn.ModuleList([tf_norm(mid, 1) for _ in range(3)])
        pooled = 2 * (c + 3 * mid)
        self.pool_norm = tf_norm(pooled, 1)
        self.drop = nn.Dropout(0.5)
        self.penultimate = nn.Linear(pooled, units)
        self.penultimate_norm = tf_norm(units, 1)
        self.head = nn.Linear(units, n_classes)

    def forward(self, x):
        x = self.input_norm(x.transpose(2, 3))
        h = torch.cat([f(x) for f in self.front], 1)
        features = [h]
        for i, (conv, norm) in enumerate(zip(self.mid, self.mid_norm)):
            out = norm(torch.relu(conv(h)))
            h = out if i == 0 else out + h
            features.append(h)
        f = torch.cat(features, 1)
        pooled = self.pool_norm(torch.stack([f.amax(dim=2), f.mean(dim=2)], 2).flatten(1))
        emb = self.penultimate_norm(torch.relu(self.penultimate(self.drop(pooled))))
        return self.head(self.drop(emb))


def torch_rates(arch, channels, batch, steps, warmup, infer_batch, device):
    torch.manual_seed(0)
    model = {"cnn": lambda: Cnn(channels), "crnn": lambda: Crnn(channels), "musicnn": Musicnn}[arch]().to(device)
    shape = (1, 96, 187) if arch == "musicnn" else (1, 128, 128)
    n_classes = 50 if arch == "musicnn" else 8
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, *shape, device=device)
    y = torch.arange(batch, device=device) % n_classes
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        # As genrespace's harness reads its loss back after every step (and waits for the GPU).
        loss.item()
    train = steps * batch / (time.perf_counter() - t0)
    model.eval()
    xi = torch.randn(infer_batch, *shape, device=device)
    reps = max(5, 320 // infer_batch)
    with torch.no_grad():
        model(xi).cpu()
        t0 = time.perf_counter()
        for _ in range(reps):
            # Copying the outputs back, as the harness reads its outputs (into_data).
            model(xi).cpu()
    infer = reps * infer_batch / (time.perf_counter() - t0)
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return train, infer, sum(p.numel() for p in model.parameters()) + stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--arch", default="cnn", choices=["cnn", "crnn", "musicnn"])
    ap.add_argument("--channels", default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    # 16: the batch genrespace classifies and indexes with (predict.rs INFERENCE_BATCH).
    ap.add_argument("--infer-batch", type=int, default=16)
    ap.add_argument("--device", default="cpu", choices=["cpu", "gpu"],
                    help="gpu: the harness on wgpu, PyTorch on CUDA")
    a = ap.parse_args()
    if a.device == "cpu":
        torch.set_num_threads(2)
    device = "cuda" if a.device == "gpu" else "cpu"
    default = {"cnn": "32,64,128,128", "crnn": "32,64,64,64", "musicnn": "-"}[a.arch]
    channels = a.channels or default
    cmd = [a.harness, "--arch", a.arch, "--batch", str(a.batch), "--steps", str(a.steps), "--warmup", str(a.warmup),
           "--infer-batch", str(a.infer_batch), "--device", "wgpu" if a.device == "gpu" else "cpu"] + (["--channels", channels] if a.arch != "musicnn" else [])
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed (exit {run.returncode}):\n{run.stderr.strip()}")
    ours = json.loads(run.stdout.strip().splitlines()[-1])
    sizes = [] if a.arch == "musicnn" else [int(c) for c in channels.split(",")]
    t_train, t_infer, params = torch_rates(a.arch, sizes, a.batch, a.steps, a.warmup, a.infer_batch, device)
    if a.device == "gpu":
        # PyTorch's defaults, then with cuDNN timing its algorithms per shape (what a tuned run
        # uses); the ratio is against the faster of the two.
        torch.backends.cudnn.benchmark = True
        tuned = torch_rates(a.arch, sizes, a.batch, a.steps, a.warmup, a.infer_batch, device)
    # The same weights and batch-norm statistics on both sides (burn counts both): the same architecture.
    assert ours["params"] == params, f"parameter counts differ: genrespace {ours['params']}, PyTorch {params}"
    patch = "1x96x187, 50 tags" if a.arch == "musicnn" else "1x128x128"
    on = torch.cuda.get_device_name() if a.device == "gpu" else "CPU, 2 threads"
    print(f"{a.arch} [{channels}], batch {a.batch} (inference {a.infer_batch}), {patch}, {a.steps} timed steps after {a.warmup} warm-up, on {on}")
    print(f"{'':18} {'train samples/s':>16} {'inference slices/s':>19}")
    print(f"{'genrespace ' + ours['device']:18} {ours['train_samples_per_s']:16.1f} {ours['inference_slices_per_s']:19.1f}")
    print(f"{'PyTorch ' + torch.__version__.split('+')[0] + ' ' + device:18} {t_train:16.1f} {t_infer:19.1f}")
    if a.device == "gpu":
        print(f"{'  cudnn.benchmark':18} {tuned[0]:16.1f} {tuned[1]:19.1f}")
        t_train, t_infer = max(t_train, tuned[0]), max(t_infer, tuned[1])
        print(f"genrespace's outputs on the GPU against its CPU backend (same weights, inference batch): "
              f"largest difference {ours['max_difference_from_cpu']:.2e}")
    print(f"RATIO genrespace / PyTorch: training {ours['train_samples_per_s'] / t_train:.2f}x, "
          f"inference {ours['inference_slices_per_s'] / t_infer:.2f}x")


if __name__ == "__main__":
    main()
