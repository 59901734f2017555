"""Python side of the benchmark twins: the UA-MT / SFR V-Net (spec §5.1), the SFR-MT losses (§5.3)
and UA-MT's test_single_case (§7.1), written for python3-torch so that bench_*.py run the same
work as the C++ programs. Module names match the PyTorch state-dict keys the C++ V-Net uses."""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def _norm(kind, channels):
    if kind == "batchnorm":
        return [nn.BatchNorm3d(channels)]
    if kind == "groupnorm":
        return [nn.GroupNorm(16, channels)]
    if kind == "instancenorm":
        return [nn.InstanceNorm3d(channels)]
    if kind == "none":
        return []
    raise ValueError(kind)


class ConvBlock(nn.Module):
    def __init__(self, stages, cin, cout, norm):
        super().__init__()
        ops = []
        for i in range(stages):
            ops += [nn.Conv3d(cin if i == 0 else cout, cout, 3, padding=1)]
            ops += _norm(norm, cout) + [nn.ReLU(inplace=True)]
        self.conv = nn.Sequential(*ops)

    def forward(self, x):
        return self.conv(x)


class Resample(nn.Module):
    def __init__(self, up, cin, cout, norm):
        super().__init__()
        conv = nn.ConvTranspose3d if up else nn.Conv3d
        self.conv = nn.Sequential(conv(cin, cout, 2, stride=2), *_norm(norm, cout),
                                  nn.ReLU(inplace=True))

    def forward(self, x):
        return self.conv(x)


class VNet(nn.Module):
    def __init__(self, in_channels=1, classes=2, filters=16, normalization="batchnorm",
                 has_dropout=False, auxiliary_heads=False, pyramid_has_dropout=False):
        super().__init__()
        f, n = filters, normalization
        self.has_dropout, self.heads, self.pyramid_dropout = has_dropout, auxiliary_heads, pyramid_has_dropout
        self.block_one = ConvBlock(1, in_channels, f, n)
        self.block_one_dw = Resample(False, f, 2 * f, n)
        self.block_two = ConvBlock(2, 2 * f, 2 * f, n)
        self.block_two_dw = Resample(False, 2 * f, 4 * f, n)
        self.block_three = ConvBlock(3, 4 * f, 4 * f, n)
        self.block_three_dw = Resample(False, 4 * f, 8 * f, n)
        self.block_four = ConvBlock(3, 8 * f, 8 * f, n)
        self.block_four_dw = Resample(False, 8 * f, 16 * f, n)
        self.block_five = ConvBlock(3, 16 * f, 16 * f, n)
        self.block_five_up = Resample(True, 16 * f, 8 * f, n)
        self.block_six = ConvBlock(3, 8 * f, 8 * f, n)
        self.block_six_up = Resample(True, 8 * f, 4 * f, n)
        self.block_seven = ConvBlock(3, 4 * f, 4 * f, n)
        self.block_seven_up = Resample(True, 4 * f, 2 * f, n)
        self.block_eight = ConvBlock(2, 2 * f, 2 * f, n)
        self.block_eight_up = Resample(True, 2 * f, f, n)
        self.block_nine = ConvBlock(1, f, f, n)
        self.out_conv = nn.Conv3d(f, classes, 1)
        if auxiliary_heads:
            self.out_conv_dp3 = nn.Conv3d(8 * f, classes, 1)
            self.out_conv_dp2 = nn.Conv3d(4 * f, classes, 1)
            self.out_conv_dp1 = nn.Conv3d(2 * f, classes, 1)
        self.dropout = nn.Dropout3d(p=0.5)

    def forward(self, x):
        x1 = self.block_one(x)
        x2 = self.block_two(self.block_one_dw(x1))
        x3 = self.block_three(self.block_two_dw(x2))
        x4 = self.block_four(self.block_three_dw(x3))
        x5 = self.block_five(self.block_four_dw(x4))
        if self.has_dropout:
            x5 = self.dropout(x5)
        x6 = self.block_six(self.block_five_up(x5) + x4)
        x7 = self.block_seven(self.block_six_up(x6) + x3)
        x8 = self.block_eight(self.block_seven_up(x7) + x2)
        x9 = self.block_nine(self.block_eight_up(x8) + x1)
        if self.has_dropout:
            x9 = self.dropout(x9)
        out = self.out_conv(x9)
        if not self.heads:
            return out, []
        size = x.shape[2:]

        def head(conv, feat):
            return F.interpolate(conv(self.dropout(feat) if self.pyramid_dropout else feat), size=size)

        return out, [head(self.out_conv_dp1, x8), head(self.out_conv_dp2, x7), head(self.out_conv_dp3, x6)]


def soft_dice(prob, target, smooth=1e-10):
    """SFR DiceLoss: per class over the whole batch, background included, mean over classes."""
    classes = prob.shape[1]
    onehot = torch.stack([target == i for i in range(classes)], 1).float()
    dims = [0] + list(range(2, prob.dim()))
    inter = (prob * onehot).sum(dims)
    return (1 - (2 * inter + smooth) / ((prob * prob).sum(dims) + (onehot * onehot).sum(dims) + smooth)).mean()


def sigmoid_rampup(current, length):
    if length == 0:
        return 1.0
    phase = 1.0 - np.clip(current, 0.0, length) / length
    return float(np.exp(-5.0 * phase * phase))


def test_single_case(net, image, stride_xy, stride_z, patch_size, num_classes):
    """UA-MT code/test_util.py test_single_case (CPU), returning (label_map, score_map, windows)."""
    w, h, d = image.shape
    pads = [max(p - s, 0) for s, p in zip(image.shape, patch_size)]
    if any(pads):
        image = np.pad(image, [(p // 2, p - p // 2) for p in pads], mode="constant", constant_values=0)
    ww, hh, dd = image.shape
    sx = math.ceil((ww - patch_size[0]) / stride_xy) + 1
    sy = math.ceil((hh - patch_size[1]) / stride_xy) + 1
    sz = math.ceil((dd - patch_size[2]) / stride_z) + 1
    score_map = np.zeros((num_classes,) + image.shape, dtype=np.float32)
    cnt = np.zeros(image.shape, dtype=np.float32)
    px, py, pz = patch_size
    for x in range(sx):
        xs = min(stride_xy * x, ww - px)
        for y in range(sy):
            ys = min(stride_xy * y, hh - py)
            for z in range(sz):
                zs = min(stride_z * z, dd - pz)
                patch = torch.from_numpy(np.ascontiguousarray(image[xs:xs + px, ys:ys + py, zs:zs + pz])[None, None].astype(np.float32))
                with torch.no_grad():
                    y1 = net(patch)[0]
                prob = F.softmax(y1, dim=1).numpy()[0]
                score_map[:, xs:xs + px, ys:ys + py, zs:zs + pz] += prob
                cnt[xs:xs + px, ys:ys + py, zs:zs + pz] += 1
    score_map = score_map / cnt[None]
    label_map = np.argmax(score_map, axis=0)
    if any(pads):
        l = [p // 2 for p in pads]
        label_map = label_map[l[0]:l[0] + w, l[1]:l[1] + h, l[2]:l[2] + d]
        score_map = score_map[:, l[0]:l[0] + w, l[1]:l[1] + h, l[2]:l[2] + d]
    return label_map, score_map, sx * sy * sz


def peak_rss_mib():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def set_threads(n):
    if n > 0:
        torch.set_num_threads(n)
        try:
            torch.set_num_interop_threads(n)
        except RuntimeError:
            pass
