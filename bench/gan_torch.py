#!/usr/bin/python3
"""PyTorch baseline for bench/gan: the same DCGAN as generator/gan.c, trained the
same way on the same data, for bench/gan.sh to compare speed and SWD.

/usr/bin/python3 bench/gan_torch.py EXPORT_DIR --steps N --threads T [--eval 250,500]
    [--eval-images N] [--out DIR] [--d-norm batch|spectral] [--batch 64] [--seed S]
    [--cache FILE]

EXPORT_DIR is the signed clearset export `clearset train` reads (bench/gan.sh
checks it with `clearset verify` first): every image metadata.jsonl lists,
decoded with PIL and mapped to [-1, 1] as pipeline/train_data.c and
generator/pixels.c do (byte / 127.5 - 1 in float32), so both sides train on
identical tensors. train_data.c squares and resizes each image to 32x32 with
dedup's area filter; the bench's images are 32x32 grey already (where that
filter is the identity), and anything else is refused rather than resampled
differently. --cache keeps the tensor in a .npz file (name it FILE.npz), keyed by the manifest's
SHA-256, so repeated runs skip the decoding.

Prints images/s over the training steps only (the same span the C bench
times). At each --eval step it writes DIR/torch_step<N>.f32: --eval-images
samples (float32 NCHW 1x32x32, [-1, 1]) from a fixed latent seed, which
`bench_gan swd` scores with the same SWD code as the C samples.
The network and step come from tests/generator_reference.py, the module that
the C implementation is checked against, so both sides train the same model.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
from generator_reference import Discriminator, Generator, d_loss, g_loss  # noqa: E402


def load_export(export, cache):
    """The export's images as an N x 1 x 32 x 32 float32 tensor in [-1, 1]."""
    with open(os.path.join(export, "manifest.json"), "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()
    if cache and os.path.exists(cache):
        with np.load(cache) as saved:
            if str(saved["manifest_sha256"]) == key:
                return torch.from_numpy(saved["images"])
    names = []
    with open(os.path.join(export, "metadata.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                names.append(json.loads(line)["file_name"])
    images = np.empty((len(names), 1, 32, 32), dtype=np.uint8)
    for i, name in enumerate(names):
        with Image.open(os.path.join(export, name)) as im:
            if im.mode != "L" or im.size != (32, 32):
                sys.exit(f"gan_torch.py: {name}: {im.mode} {im.size[0]}x{im.size[1]}; "
                         "the bench compares on 32x32 grey images only")
            images[i, 0] = np.asarray(im, dtype=np.uint8)
    values = images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)
    if cache:
        np.savez(cache, images=values, manifest_sha256=np.array(key))
    return torch.from_numpy(values)


def init_dcgan(module):
    """DCGAN's initialisation, as generator/gan.c: N(0, 0.02) convs, N(1, 0.02) BN scales."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            nn.init.normal_(w, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval", default="")
    p.add_argument("--eval-images", type=int, default=2048)
    p.add_argument("--out", default=".")
    p.add_argument("--d-norm", choices=["spectral", "batch"], default="batch")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="PyTorch")
    p.add_argument("--cache", default="")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    nz, width = 100, 32
    train = load_export(a.data, a.cache)
    G = Generator(nz, width, 1)
    D = Discriminator(width, 1, a.d_norm)
    init_dcgan(G)
    init_dcgan(D)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    evals = {int(s) for s in a.eval.split(",") if s}
    fixed_z = torch.randn(a.eval_images, nz, generator=torch.Generator().manual_seed(777))
    print(f"{a.label:8} images={train.shape[0]} d_norm={a.d_norm} batch={a.batch} "
          f"threads={torch.get_num_threads()} seed={a.seed} "
          f"torch={torch.__version__} mkldnn={torch.backends.mkldnn.is_available()}", flush=True)

    order = torch.randperm(train.shape[0])
    cursor = 0
    seconds = 0.0
    for step in range(1, a.steps + 1):
        if cursor + a.batch > train.shape[0]:
            order, cursor = torch.randperm(train.shape[0]), 0
        real = train[order[cursor:cursor + a.batch]]
        cursor += a.batch

        t0 = time.perf_counter()
        z = torch.randn(a.batch, nz)
        fake = G(z)
        D.zero_grad(set_to_none=True)
        for p_ in D.parameters():
            p_.requires_grad_(True)
        loss_real = d_loss("nonsaturating", D(real), True)
        loss_real.backward()
        loss_fake = d_loss("nonsaturating", D(fake.detach()), False)
        loss_fake.backward()
        opt_d.step()
        for p_ in D.parameters():  # G's step needs no gradients of D's weights
            p_.requires_grad_(False)
        G.zero_grad(set_to_none=True)
        loss_g = g_loss("nonsaturating", D(fake))
        loss_g.backward()
        opt_g.step()
        seconds += time.perf_counter() - t0

        if step % 100 == 0:
            print(f"{a.label} step {step}: d_loss {float(loss_real + loss_fake):.3f} "
                  f"g_loss {float(loss_g):.3f}, {step * a.batch / seconds:.1f} img/s",
                  file=sys.stderr, flush=True)
        if step in evals:
            with torch.no_grad():
                samples = torch.cat([G(fixed_z[i:i + a.batch])
                                     for i in range(0, a.eval_images, a.batch)])
            path = os.path.join(a.out, f"torch_s{a.seed}_step{step}.f32")
            samples.numpy().astype("<f4").tofile(path)
            print(f"{a.label:8} step {step} samples {path}", flush=True)
    print(f"{a.label:8} images/s {a.steps * a.batch / seconds:.1f}  "
          f"({a.steps} steps of {a.batch} in {seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
