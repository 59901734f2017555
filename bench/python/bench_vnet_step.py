#!/usr/bin/python3
"""Twin of bench/bench_vnet_step.cpp for python3-torch: the same SFR-MT step (hierarchical V-Net
student + EMA teacher, CE + Dice on both halves, softmax-MSE consistency, SGD, EMA), the same
sizes and thread count. Run with /usr/bin/python3 (Debian's torch)."""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from sfr_vnet import VNet, peak_rss_mib, set_threads, sigmoid_rampup, soft_dice


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", default="112,112,80")
    ap.add_argument("--labeled", type=int, default=2)
    ap.add_argument("--unlabeled", type=int, default=2)
    ap.add_argument("--filters", type=int, default=16)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    size = [int(v) for v in a.size.split(",")]
    set_threads(a.threads)
    dev = torch.device(a.device)
    torch.manual_seed(1337)
    kw = dict(filters=a.filters, classes=a.classes, has_dropout=True, auxiliary_heads=True,
              pyramid_has_dropout=True)
    student, teacher = VNet(**kw).to(dev).train(), VNet(**kw).to(dev).train()
    for p in teacher.parameters():
        p.requires_grad_(False)
    sgd = torch.optim.SGD(student.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    batch = a.labeled + a.unlabeled
    x = torch.randn(batch, 1, *size, device=dev)
    y = (x[:, 0] > 0.5).long()
    L = a.labeled

    def step(it):
        out = student(x)[0]
        prob = torch.softmax(out, 1)
        noisy = x + torch.clamp(torch.randn_like(x) * 0.1, -0.2, 0.2)
        with torch.no_grad():
            t_out = teacher(noisy)[0]
        loss = 0.5 * F.cross_entropy(out[:L], y[:L]) + 0.5 * soft_dice(prob[:L], y[:L])
        if a.unlabeled > 0:
            loss = loss + 0.5 * F.cross_entropy(out[L:], y[L:]) + 0.5 * soft_dice(prob[L:], y[L:])
        w = 0.1 * sigmoid_rampup(it // 150, 40.0)
        loss = loss + w * ((torch.softmax(out, 1) - torch.softmax(t_out, 1)) ** 2).mean()
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        alpha = min(1 - 1 / (it + 1), 0.99)
        with torch.no_grad():
            for tp, sp in zip(teacher.parameters(), student.parameters()):
                tp.mul_(alpha).add_(sp, alpha=1 - alpha)
        return loss.item()

    loss = 0.0
    for i in range(a.warmup):
        loss = step(i)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(a.iterations):
        loss = step(a.warmup + i)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    it_per_s = a.iterations / seconds
    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    print(f"bench_vnet_step (Python torch {torch.__version__}): batch {a.labeled}+{a.unlabeled} of "
          f"{size[0]}x{size[1]}x{size[2]}, filters {a.filters}")
    print(f"  {it_per_s:.3f} it/s ({seconds / a.iterations:.2f} s/it over {a.iterations} steps), loss "
          f"{loss:.4f}, peak RSS {peak_rss_mib():.0f} MiB, threads {threads}/{interop}, {a.device}")
    print(json.dumps({"bench": "vnet_step", "impl": "python", "it_per_s": it_per_s, "seconds": seconds,
                      "iterations": a.iterations, "peak_rss_mib": peak_rss_mib(), "threads": threads,
                      "interop_threads": interop, "device": a.device, "size": size,
                      "labeled": a.labeled, "unlabeled": a.unlabeled, "filters": a.filters, "loss": loss}))


if __name__ == "__main__":
    main()
