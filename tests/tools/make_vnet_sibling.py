#!/usr/bin/python3
"""Writes a larger sibling of ../shared/reference/vnet/vnet_c2_{io.pt,checkpoint.pth} in the same format
(a `config` JSON naming the checkpoint and the sliding-window settings, `input`/`logits`,
`sw_volume`/`sw_label`/`sw_prob_fg`), so that the V-Net parity tests can be run unchanged on a
full-width network and LA-sized windows:

    /usr/bin/python3 tests/tools/make_vnet_sibling.py OUT_DIR
    SFR_REFERENCE_DIR=OUT_DIR ctest --preset ci -R VNetParity

The network is bench/python/sfr_vnet.py (the UA-MT V-Net with the same state-dict names), seeded,
with non-trivial BatchNorm running statistics; the sliding window is UA-MT's test_single_case."""
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "bench", "python"))
from sfr_vnet import VNet, test_single_case  # noqa: E402


def smooth_volume(shape, seed):
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(1, 1, *shape, generator=g)
    v = torch.nn.functional.avg_pool3d(torch.nn.functional.pad(v, (2,) * 6, mode="replicate"), 5, 1)
    v = (v - v.mean()) / v.std()
    zz, yy, xx = np.meshgrid(*[np.linspace(-1, 1, s) for s in shape], indexing="ij")
    v[0, 0][torch.from_numpy((zz ** 2 + yy ** 2 + xx ** 2) < 0.4)] += 2.0
    return v


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "vnet"), exist_ok=True)
    torch.set_num_threads(2)
    seed, filters, input_shape = 2031, 16, [1, 1, 112, 112, 80]
    patch, stride_xy, stride_z, volume_shape = [112, 112, 80], 18, 4, [150, 118, 90]
    torch.manual_seed(seed)
    net = VNet(filters=filters, classes=2, has_dropout=True)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, b in net.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.2 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))
        for name, p in net.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn(p.shape, generator=g))
    net.eval()
    x = smooth_volume(input_shape[2:], seed + 5)
    with torch.no_grad():
        logits = net(x)[0]
    volume = smooth_volume(volume_shape, seed + 7)[0, 0].numpy()
    label, score, windows = test_single_case(net, volume, stride_xy, stride_z, patch, 2)
    ckpt = "vnet/vnet_c2big_checkpoint.pth"
    torch.save(net.state_dict(), os.path.join(out, ckpt))
    config = {"checkpoint": ckpt, "has_dropout": True, "input_shape": input_shape, "mode": "eval",
              "model": "bench/python/sfr_vnet.py VNet (UA-MT names)", "n_channels": 1,
              "n_classes": 2, "n_filters": filters, "normalization": "batchnorm", "seed": seed,
              "num_params": sum(p.numel() for p in net.parameters()),
              "sliding_window": {"num_classes": 2, "patch_size": patch, "stride_xy": stride_xy,
                                 "stride_z": stride_z, "volume_shape": volume_shape,
                                 "windows": windows}}
    torch.save({"input": x, "logits": logits, "sw_volume": torch.from_numpy(volume),
                "sw_label": torch.from_numpy(label.astype(np.uint8)),
                "sw_prob_fg": torch.from_numpy(np.ascontiguousarray(score[1])),
                "config": json.dumps(config), "description": "larger sibling of vnet_c2 (" +
                os.path.basename(__file__) + ")"},
               os.path.join(out, "vnet", "vnet_c2big_io.pt"))
    print("wrote", os.path.join(out, "vnet", "vnet_c2big_io.pt"), "and", ckpt, "windows", windows)


if __name__ == "__main__":
    main()
