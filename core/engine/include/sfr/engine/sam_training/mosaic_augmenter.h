#pragma once
// The fine-tuning data pipeline of SFR (spec §3.7): labelled volume -> RandomRotFlip (3D) ->
// RandomCrop with UA-MT's padding rule -> per-slice Bézier intensity curve -> stitch (image pad
// 0, label pad 255) -> rot90/flip of the whole canvas. Every random draw comes from a
// caller-owned std::mt19937_64 (the released code mixes numpy's and Python's global RNGs, which
// a port cannot reproduce draw for draw), so a batch is a pure function of the generator state.
#include <cstdint>
#include <random>
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/augment.h"
#include "sfr/engine/sam_training/fine_tune_settings.h"
#include "sfr/engine/stitcher.h"

namespace sfr::engine {

/// A uniform double in [0, 1) from the top 53 bits of one draw (Python's random()).
double uniform01(std::mt19937_64& rng);

/// SFR's nonlinear intensity map of one slice (utils/bezier_curve.py): a cubic Bézier curve
/// through (0,0), (u1,u2), (u3,u4), (1,1), sampled at `samples` uniform t, x and y values sorted
/// independently (a monotone map), then numpy.interp(slice, xs, ys): values <= 0 become 0 and
/// values >= 1 become 1. Draws u1..u4 from `rng`. Any shape; computed in double, returned in the
/// input's dtype.
torch::Tensor bezierIntensity(const torch::Tensor& slice, std::mt19937_64& rng,
                              int64_t samples = 100000);

/// For every slice z of an [X, Y, Z] image, in order: with probability `probability`
/// (uniform01() < probability) apply bezierIntensity() to image[:, :, z]; else keep it.
torch::Tensor randomBezierSlices(const torch::Tensor& image, double probability, int64_t samples,
                                 std::mt19937_64& rng);

/// Stitched training canvases.
struct MosaicBatch {
  torch::Tensor images;  ///< [N, 3, S, S] float32 (one channel copied three times)
  torch::Tensor labels;  ///< [N, S, S] int64: classes, and 255 on padding
};

class MosaicAugmenter {
 public:
  /// Throws sfr::Error when the crop does not stitch under `settings.stitch()`.
  explicit MosaicAugmenter(SamAugmentSettings settings);

  /// One labelled volume (image float [X, Y, Z], label integer [X, Y, Z]) -> its canvases
  /// (one per depth chunk, §2.4). The 3D steps use the volume's own size; the crop is taken
  /// after RandomCrop's padding.
  MosaicBatch augment(const CropPair& volume, std::mt19937_64& rng) const;
  /// augment() for each volume in order, concatenated.
  MosaicBatch batch(const std::vector<CropPair>& volumes, std::mt19937_64& rng) const;

  /// Canvases of already-cropped [B, X, Y, Z] images and labels without any augmentation (what
  /// evaluation on the training mosaics uses).
  MosaicBatch stitchPlain(const torch::Tensor& images, const torch::Tensor& labels) const;

  const Stitcher& stitcher() const { return stitcher_; }
  const SamAugmentSettings& settings() const { return settings_; }

 private:
  SamAugmentSettings settings_;
  Stitcher stitcher_;
};

}  // namespace sfr::engine
