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

CropPair randomRotFlip(const CropPair& in, std::mt19937_64& rng) {
  const int64_t k = randInt(rng, 0, 4);
  const int64_t axis = randInt(rng, 0, 2);
  CropPair out;
  out.image = torch::rot90(in.image, k, {0, 1}).flip({axis}).contiguous();
  out.label = torch::rot90(in.label, k, {0, 1}).flip({axis}).contiguous();
  return out;
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
