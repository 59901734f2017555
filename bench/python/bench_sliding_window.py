#!/usr/bin/python3
"""Twin of bench/bench_sliding_window.cpp for python3-torch: UA-MT test_single_case on an LA case
(h5py) or a synthetic volume, with a seeded random V-Net (or a state dict given by --checkpoint),
the same patch, strides and thread count. Run with /usr/bin/python3 (Debian's torch)."""
import argparse
import json
import os
import time

import numpy as np
import torch

from sfr_vnet import VNet, peak_rss_mib, set_threads, test_single_case


def default_case():
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.environ.get("SFR_DATA_DIR") or os.path.normpath(os.path.join(here, "../../../shared/data"))
    try:
        with open(os.path.join(data, "la", "test.list")) as f:
            return os.path.join(data, "la", f.read().split()[0], "mri_norm2.h5")
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--case", default=default_case())
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--size", default="160,140,88")
    ap.add_argument("--checkpoint", default="")
    ap.add_argument("--filters", type=int, default=16)
    ap.add_argument("--patch", default="112,112,80")
    ap.add_argument("--stride", default="18,4")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.device != "cpu":
        raise SystemExit("the Python twin runs test_single_case on the CPU only")
    set_threads(a.threads)
    patch = [int(v) for v in a.patch.split(",")]
    stride = [int(v) for v in a.stride.split(",")]
    if a.case and not a.synthetic:
        import h5py
        with h5py.File(a.case, "r") as f:
            volume = f["image"][:].astype(np.float32)
        source = a.case
    else:
        torch.manual_seed(7)
        volume = torch.randn(*[int(v) for v in a.size.split(",")]).numpy()
        source = "synthetic"
    volume = ((volume - volume.mean()) / volume.std()).astype(np.float32)
    torch.manual_seed(1337)
    if a.checkpoint:
        state = torch.load(a.checkpoint, map_location="cpu")
        state = {k: v for k, v in state.items() if not k.startswith("out_conv_dp")}
        net = VNet(filters=state["block_one.conv.0.weight"].shape[0],
                   classes=state["out_conv.weight"].shape[0])
        net.load_state_dict(state)
    else:
        net = VNet(filters=a.filters)
    net.eval()
    t0 = time.perf_counter()
    label, score, windows = test_single_case(net, volume, stride[0], stride[1], patch, net.out_conv.out_channels)
    seconds = time.perf_counter() - t0
    fg = float((label != 0).mean())
    mean_p1 = float(score[1].astype(np.float64).mean())
    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    print(f"bench_sliding_window (Python torch {torch.__version__}): {source} {list(volume.shape)}, "
          f"patch {patch[0]}x{patch[1]}x{patch[2]} stride {stride[0]}/{stride[1]}")
    print(f"  {windows} windows in {seconds:.2f} s ({windows / seconds:.2f} windows/s), foreground "
          f"{100 * fg:.2f}%, peak RSS {peak_rss_mib():.0f} MiB, threads {threads}/{interop}, cpu")
    print(f"  module forward, allocator: system malloc, mean p(class 1) {mean_p1:.8f}")
    print(json.dumps({"bench": "sliding_window", "impl": "python", "source": source,
                      "shape": list(volume.shape), "windows": windows, "seconds": seconds,
                      "windows_per_s": windows / seconds, "foreground": fg,
                      "mean_probability_class1": mean_p1,
                      "peak_rss_mib": peak_rss_mib(), "threads": threads, "interop_threads": interop,
                      "device": "cpu"}))


if __name__ == "__main__":
    main()
