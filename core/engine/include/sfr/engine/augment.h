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

/// One draw of RandomRotFlip: `k` quarter turns in the (x, y) plane (np.rot90, axis 0 toward
/// axis 1), then a flip along `axis` (0 or 1; -1 = no flip). The default is the identity.
struct RotFlip {
  int64_t k = 0;
  int64_t axis = -1;

  bool identity() const { return k % 4 == 0 && axis < 0; }
};

/// k = randint(0, 4), then axis = randint(0, 2): the released draw order.
RotFlip drawRotFlip(std::mt19937_64& rng);
/// Applies `r` to the two spatial axes `firstSpatialDim` and `firstSpatialDim + 1` of `t`
/// (0 for [X, Y, Z], 1 for [C, X, Y, Z]).
torch::Tensor applyRotFlip(const torch::Tensor& t, const RotFlip& r, int64_t firstSpatialDim = 0);
/// The inverse of applyRotFlip: undoRotFlip(applyRotFlip(t, r), r) == t.
torch::Tensor undoRotFlip(const torch::Tensor& t, const RotFlip& r, int64_t firstSpatialDim = 0);

/// np.rot90(k = randint(0, 4)) in the (x, y) plane, then np.flip along axis randint(0, 2).
/// `drawn`, when given, receives the transform that was applied.
CropPair randomRotFlip(const CropPair& in, std::mt19937_64& rng, RotFlip* drawn = nullptr);

/// UA-MT RandomCrop: when an axis is not larger than the crop, pad both sides of every axis by
/// max((crop - size) // 2 + 3, 0) with zeros; then take the crop at start randint(0, size - crop).
CropPair randomCrop(const CropPair& in, const std::array<int64_t, 3>& crop, std::mt19937_64& rng);

/// numpy's randint(low, high) semantics: uniform in [low, high); high <= low is an error.
int64_t randInt(std::mt19937_64& rng, int64_t low, int64_t high);

}  // namespace sfr::engine
