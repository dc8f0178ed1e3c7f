#!/usr/bin/python3
"""PyTorch reference for one training step of clearset's DCGAN (generator/gan.c).

Run with Debian's python3-torch: /usr/bin/python3 tests/generator_reference.py DIR ARGS...
test_generator_torch.c writes into DIR the C network's initial tensors as raw
little-endian float32 files (G.<name>.f32, D.<name>.f32, names as in
generator.h, PyTorch shapes), the real batch (real.f32, NCHW) and the latents
(z.f32, batch x latent). This script builds the same network with torch.nn,
loads those tensors, does the same step as gan_train_step:

  fake = G(z)
  D: zero grads; loss(D(real), real).backward(); loss(D(fake.detach()), fake).backward(); Adam
  G: zero grads; loss_G(D(fake)).backward() with D frozen; Adam

and writes back out.*.f32 (fake NCHW, the three batches of logits, the two
losses), grad.G.*/grad.D.* (gradients of the step; D's as they were at its
Adam step) and new.G.*/new.D.* (every tensor after the step).
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def layer_count(size):
    """4 layers per network at 32x32, 5 at 64x64 (generator/gan.c)."""
    return {32: 4, 64: 5}[size]


class Generator(nn.Module):
    """convt1..convtL, bn1..bn(L-1); channels (8gw,) 4gw, 2gw, gw, nc."""

    def __init__(self, nz, gw, nc, size=32):
        super().__init__()
        self.layers = layer_count(size)
        chans = [nz] + [gw << (self.layers - 1 - l) for l in range(1, self.layers)] + [nc]
        for l in range(self.layers):
            stride, pad = (1, 0) if l == 0 else (2, 1)
            setattr(self, f"convt{l + 1}",
                    nn.ConvTranspose2d(chans[l], chans[l + 1], 4, stride, pad, bias=False))
            if l < self.layers - 1:
                setattr(self, f"bn{l + 1}", nn.BatchNorm2d(chans[l + 1]))

    def forward(self, z):
        x = z.view(z.shape[0], -1, 1, 1)
        for l in range(1, self.layers):
            x = F.relu(getattr(self, f"bn{l}")(getattr(self, f"convt{l}")(x)))
        return torch.tanh(getattr(self, f"convt{self.layers}")(x))


class Discriminator(nn.Module):
    """conv1..convL; bn2..bn(L-1) with batch norm; channels dw, 2dw, 4dw (, 8dw), 1."""

    def __init__(self, dw, nc, dnorm, size=32):
        super().__init__()
        self.layers = layer_count(size)
        sn = (lambda m: nn.utils.spectral_norm(m)) if dnorm == "spectral" else (lambda m: m)
        chans = [nc] + [dw << (l - 1) for l in range(1, self.layers)] + [1]
        self.batchnorm = dnorm == "batch"
        for l in range(self.layers):
            stride, pad = (1, 0) if l == self.layers - 1 else (2, 1)
            setattr(self, f"conv{l + 1}",
                    sn(nn.Conv2d(chans[l], chans[l + 1], 4, stride, pad, bias=False)))
            if self.batchnorm and 0 < l < self.layers - 1:
                setattr(self, f"bn{l + 1}", nn.BatchNorm2d(chans[l + 1]))

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.2)
        for l in range(2, self.layers):
            x = getattr(self, f"conv{l}")(x)
            x = F.leaky_relu(getattr(self, f"bn{l}")(x) if self.batchnorm else x, 0.2)
        return getattr(self, f"conv{self.layers}")(x).view(-1)


def torch_name(net_id, name, dnorm):
    """generator.h's tensor name -> the state_dict key holding it."""
    if net_id == "D" and dnorm == "spectral" and name.startswith("conv"):
        layer, what = name.split(".")
        return f"{layer}.weight_orig" if what == "weight" else f"{layer}.weight_u"
    return name


def d_loss(kind, logits, real):
    if kind == "hinge":
        return F.relu(1 - logits).mean() if real else F.relu(1 + logits).mean()
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


def g_loss(kind, logits):
    if kind == "hinge":
        return -logits.mean()
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--channels", type=int, required=True)
    p.add_argument("--latent", type=int, required=True)
    p.add_argument("--g-width", type=int, required=True)
    p.add_argument("--d-width", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--d-norm", choices=["spectral", "batch"], required=True)
    p.add_argument("--loss", choices=["nonsaturating", "hinge"], required=True)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--size", type=int, choices=[32, 64], default=32)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    def load(name, shape):
        data = np.fromfile(os.path.join(a.dir, name), dtype="<f4")
        return torch.from_numpy(data.copy()).reshape(shape)

    def save(name, tensor):
        tensor.detach().contiguous().numpy().astype("<f4").tofile(os.path.join(a.dir, name))

    G = Generator(a.latent, a.g_width, a.channels, a.size)
    D = Discriminator(a.d_width, a.channels, a.d_norm, a.size)
    nets = {"G": G, "D": D}
    names = {}
    for net_id, net in nets.items():
        state = net.state_dict()
        prefix = net_id + "."
        names[net_id] = [f[len(prefix):-4] for f in sorted(os.listdir(a.dir))
                         if f.startswith(prefix) and f.endswith(".f32")]
        for name in names[net_id]:
            key = torch_name(net_id, name, a.d_norm)
            state[key] = load(prefix + name + ".f32", state[key].shape)
        net.load_state_dict(state)
        net.train()

    real = load("real.f32", (a.batch, a.channels, a.size, a.size))
    z = load("z.f32", (a.batch, a.latent))
    opt = {k: torch.optim.Adam(n.parameters(), lr=a.lr, betas=(a.beta1, a.beta2), eps=a.eps)
           for k, n in nets.items()}

    fake = G(z)
    D.zero_grad()
    logits_real = D(real)
    loss_real = d_loss(a.loss, logits_real, True)
    loss_real.backward()
    logits_fake = D(fake.detach())
    loss_fake = d_loss(a.loss, logits_fake, False)
    loss_fake.backward()
    opt["D"].step()
    d_grads = {n: p.grad.clone() for n, p in D.named_parameters()}

    for p_ in D.parameters():
        p_.requires_grad_(False)
    G.zero_grad()
    logits_g = D(fake)
    loss_g = g_loss(a.loss, logits_g)
    loss_g.backward()
    opt["G"].step()

    save("out.fake.f32", fake)
    save("out.logits_real.f32", logits_real)
    save("out.logits_fake.f32", logits_fake)
    save("out.logits_g.f32", logits_g)
    save("out.losses.f32", torch.stack([loss_real + loss_fake, loss_g]))
    params = {"G": dict(G.named_parameters()), "D": d_grads}
    for net_id, net in nets.items():
        state = net.state_dict()
        for name in names[net_id]:
            key = torch_name(net_id, name, a.d_norm)
            save(f"new.{net_id}.{name}.f32", state[key])
            if key in params[net_id]:
                grad = params[net_id][key]
                save(f"grad.{net_id}.{name}.f32", grad if net_id == "D" else grad.grad)


if __name__ == "__main__":
    main()
