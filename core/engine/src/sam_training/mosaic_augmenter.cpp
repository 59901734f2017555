#include "sfr/engine/sam_training/mosaic_augmenter.h"

#include "sfr/base/error.h"

namespace sfr::engine {

double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);  // 2^-53
}

torch::Tensor bezierIntensity(const torch::Tensor& slice, std::mt19937_64& rng, int64_t samples) {
  if (samples < 2) throw Error("bezierIntensity", "needs at least 2 samples on the curve");
  const double u1 = uniform01(rng), u2 = uniform01(rng), u3 = uniform01(rng), u4 = uniform01(rng);
  const auto opts = torch::TensorOptions().dtype(torch::kDouble).device(slice.device());
  const torch::Tensor t = torch::linspace(0.0, 1.0, samples, opts);
  const torch::Tensor s = 1.0 - t;
  // The released Bernstein basis is reversed (point i weighted t^(3-i) (1-t)^i); sorting below
  // makes that irrelevant, but it is kept so the sampled point sets are the same.
  // P0 = (0, 0) contributes nothing.
  const torch::Tensor b1 = 3.0 * t * t * s, b2 = 3.0 * t * s * s, b3 = s * s * s;
  const torch::Tensor xs = std::get<0>(torch::sort(b1 * u1 + b2 * u3 + b3));
  const torch::Tensor ys = std::get<0>(torch::sort(b1 * u2 + b2 * u4 + b3));

  // numpy.interp(v, xs, ys): below xs[0] -> ys[0] (0), above xs[-1] -> ys[-1] (1), else linear
  // on the interval [xs[j], xs[j+1]) holding v.
  const torch::Tensor v = slice.to(torch::kDouble).contiguous();
  const torch::Tensor idx = torch::searchsorted(xs, v.reshape({-1}), /*out_int32=*/false,
                                                /*right=*/true);
  const torch::Tensor j = (idx - 1).clamp(0, samples - 2);
  const torch::Tensor x0 = xs.index_select(0, j), x1 = xs.index_select(0, j + 1);
  const torch::Tensor y0 = ys.index_select(0, j), y1 = ys.index_select(0, j + 1);
  const torch::Tensor dx = x1 - x0;
  const torch::Tensor w =
      torch::where(dx > 0, (v.reshape({-1}) - x0) / dx.clamp_min(1e-300), torch::zeros_like(dx));
  torch::Tensor out = y0 + w * (y1 - y0);
  const torch::Tensor flat = v.reshape({-1});
  out = torch::where(flat <= xs[0], ys[0].expand_as(out), out);
  out = torch::where(flat >= xs[-1], ys[-1].expand_as(out), out);
  return out.reshape(slice.sizes()).to(slice.scalar_type());
}

torch::Tensor randomBezierSlices(const torch::Tensor& image, double probability, int64_t samples,
                                 std::mt19937_64& rng) {
  if (image.dim() != 3) throw Error("randomBezierSlices", "expected an image [X, Y, Z]");
  if (probability <= 0) return image;
  torch::Tensor out = image.clone();
  for (int64_t z = 0; z < image.size(2); ++z) {
    if (uniform01(rng) >= probability) continue;  // released: kept when random() >= rate
    out.select(2, z).copy_(bezierIntensity(image.select(2, z), rng, samples));
  }
  return out;
}

namespace {

Size3 cropSize(const std::array<int64_t, 3>& crop) {
  return Size3{static_cast<std::size_t>(crop[0]), static_cast<std::size_t>(crop[1]),
               static_cast<std::size_t>(crop[2])};
}

}  // namespace

MosaicAugmenter::MosaicAugmenter(SamAugmentSettings settings)
    : settings_(std::move(settings)), stitcher_(cropSize(settings_.crop()), settings_.stitch()) {}

MosaicBatch MosaicAugmenter::augment(const CropPair& volume, std::mt19937_64& rng) const {
  if (!volume.image.defined() || volume.image.dim() != 3 || !volume.label.defined() ||
      volume.label.sizes() != volume.image.sizes())
    throw Error("fine-tuning volume", "expected an image and a label of the same [X, Y, Z] shape");
  CropPair pair{volume.image.to(torch::kFloat), volume.label.to(torch::kLong)};
  if (settings_.rot_flip_3d()) pair = randomRotFlip(pair, rng);
  pair = randomCrop(pair, settings_.crop(), rng);
  // Before any stitching pad, so pad pixels stay 0 (§3.7 item 5).
  pair.image = randomBezierSlices(pair.image, settings_.bezier_probability(),
                                  settings_.bezier_samples(), rng);
  MosaicBatch out;
  out.images = stitcher_.stitchImages(pair.image.unsqueeze(0));  // [m, S, S]
  out.labels = stitcher_.stitchLabels(pair.label.unsqueeze(0));
  if (settings_.rot_flip_2d()) {
    std::vector<torch::Tensor> images, labels;
    for (int64_t c = 0; c < out.images.size(0); ++c) {
      const CropPair turned = randomRotFlip({out.images[c], out.labels[c]}, rng);
      images.push_back(turned.image);
      labels.push_back(turned.label);
    }
    out.images = torch::stack(images);
    out.labels = torch::stack(labels);
  }
  out.images = out.images.unsqueeze(1).expand({-1, 3, -1, -1}).contiguous();
  return out;
}

MosaicBatch MosaicAugmenter::batch(const std::vector<CropPair>& volumes,
                                   std::mt19937_64& rng) const {
  if (volumes.empty()) throw Error("fine-tuning batch", "no volumes");
  std::vector<torch::Tensor> images, labels;
  for (const CropPair& v : volumes) {
    MosaicBatch one = augment(v, rng);
    images.push_back(one.images);
    labels.push_back(one.labels);
  }
  return {torch::cat(images), torch::cat(labels)};
}

MosaicBatch MosaicAugmenter::stitchPlain(const torch::Tensor& images,
                                         const torch::Tensor& labels) const {
  MosaicBatch out;
  out.images = stitcher_.stitchImages(images.to(torch::kFloat))
                   .unsqueeze(1)
                   .expand({-1, 3, -1, -1})
                   .contiguous();
  out.labels = stitcher_.stitchLabels(labels.to(torch::kLong));
  return out;
}

}  // namespace sfr::engine
