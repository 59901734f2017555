#pragma once
// The released 3D augmentations (UA-MT / SFR dataloaders, spec §3.7 items 2-4 and §5.2):
// RandomRotFlip then RandomCrop, on single crops [X, Y, Z] drawn with a caller-owned generator
// so training is reproducible for a seed.
#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <random>

namespace sfr::engine {

/// A volume and its label, both [X, Y, Z] (image float, label int64).
struct CropPair {
  torch::Tensor image;
  torch::Tensor label;
};

/// np.rot90(k = randint(0, 4)) in the (x, y) plane, then np.flip along axis randint(0, 2).
CropPair randomRotFlip(const CropPair& in, std::mt19937_64& rng);

/// UA-MT RandomCrop: when an axis is not larger than the crop, pad both sides of every axis by
/// max((crop - size) // 2 + 3, 0) with zeros; then take the crop at start randint(0, size - crop).
CropPair randomCrop(const CropPair& in, const std::array<int64_t, 3>& crop, std::mt19937_64& rng);

/// numpy's randint(low, high) semantics: uniform in [low, high); high <= low is an error.
int64_t randInt(std::mt19937_64& rng, int64_t low, int64_t high);

}  // namespace sfr::engine
