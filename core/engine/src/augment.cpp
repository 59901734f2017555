#include "sfr/engine/augment.h"

#include <algorithm>

#include "sfr/base/error.h"

namespace sfr::engine {

int64_t randInt(std::mt19937_64& rng, int64_t low, int64_t high) {
  if (high <= low)
    throw Error("randInt",
                "empty range [" + std::to_string(low) + ", " + std::to_string(high) + ")");
  // Rejection sampling: exact and platform independent (std::uniform_int_distribution is not).
  const uint64_t span = static_cast<uint64_t>(high - low);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t v;
  do {
    v = rng();
  } while (v >= limit);
  return low + static_cast<int64_t>(v % span);
}

RotFlip drawRotFlip(std::mt19937_64& rng) {
  RotFlip r;
  r.k = randInt(rng, 0, 4);
  r.axis = randInt(rng, 0, 2);
  return r;
}

namespace {

void checkRotFlip(const torch::Tensor& t, const RotFlip& r, int64_t firstSpatialDim,
                  const char* what) {
  if (!t.defined() || firstSpatialDim < 0 || firstSpatialDim + 2 > t.dim())
    throw Error(what, "needs two spatial axes from dimension " + std::to_string(firstSpatialDim) +
                          (t.defined() ? ", got " + c10::str(t.sizes()) : std::string()));
  if (r.axis > 1 || r.axis < -1)
    throw Error(what, "flip axis must be 0, 1 or -1 (none), got " + std::to_string(r.axis));
}

}  // namespace

torch::Tensor applyRotFlip(const torch::Tensor& t, const RotFlip& r, int64_t firstSpatialDim) {
  checkRotFlip(t, r, firstSpatialDim, "applyRotFlip");
  const int64_t x = firstSpatialDim, y = firstSpatialDim + 1;
  torch::Tensor out = torch::rot90(t, r.k, {x, y});
  if (r.axis >= 0) out = out.flip({x + r.axis});
  return out.contiguous();
}

torch::Tensor undoRotFlip(const torch::Tensor& t, const RotFlip& r, int64_t firstSpatialDim) {
  checkRotFlip(t, r, firstSpatialDim, "undoRotFlip");
  const int64_t x = firstSpatialDim, y = firstSpatialDim + 1;
  torch::Tensor out = r.axis >= 0 ? t.flip({x + r.axis}) : t;
  return torch::rot90(out, -r.k, {x, y}).contiguous();
}

CropPair randomRotFlip(const CropPair& in, std::mt19937_64& rng, RotFlip* drawn) {
  const RotFlip r = drawRotFlip(rng);
  if (drawn) *drawn = r;
  return {applyRotFlip(in.image, r), applyRotFlip(in.label, r)};
}

CropPair randomCrop(const CropPair& in, const std::array<int64_t, 3>& crop, std::mt19937_64& rng) {
  torch::Tensor image = in.image, label = in.label;
  bool pad = false;
  for (int a = 0; a < 3; ++a) pad = pad || label.size(a) <= crop[a];
  if (pad) {
    // Python's // floors (crop - size may be negative); torch pads the last dim first.
    std::vector<int64_t> widths;
    for (int a = 2; a >= 0; --a) {
      const int64_t d = crop[a] - label.size(a);
      const int64_t floorHalf = d >= 0 ? d / 2 : -((-d + 1) / 2);
      widths.push_back(std::max<int64_t>(floorHalf + 3, 0));
      widths.push_back(widths.back());
    }
    namespace F = torch::nn::functional;
    image = F::pad(image.unsqueeze(0), F::PadFuncOptions(widths)).squeeze(0);
    label = F::pad(label.unsqueeze(0), F::PadFuncOptions(widths)).squeeze(0);
  }
  std::array<int64_t, 3> start{};
  for (int a = 0; a < 3; ++a) start[a] = randInt(rng, 0, label.size(a) - crop[a]);
  CropPair out;
  out.image = image.narrow(0, start[0], crop[0])
                  .narrow(1, start[1], crop[1])
                  .narrow(2, start[2], crop[2])
                  .contiguous();
  out.label = label.narrow(0, start[0], crop[0])
                  .narrow(1, start[1], crop[1])
                  .narrow(2, start[2], crop[2])
                  .contiguous();
  return out;
}

}  // namespace sfr::engine
