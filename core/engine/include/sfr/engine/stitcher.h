#pragma once
// Tensor implementation of the stitching rule (spec §2): batches of 3D crops <-> SAM canvases.
// The voxel -> pixel map comes from sfr::StitchLayout (core/base), so the studio's mosaic view
// and the engine agree by construction. Everything runs on the input tensor's device.
#include <torch/torch.h>

#include "sfr/base/stitch_layout.h"

namespace sfr::engine {

class Stitcher {
 public:
  explicit Stitcher(StitchLayout layout);
  Stitcher(const Size3& crop, const StitchSettings& settings = {})
      : Stitcher(StitchLayout(crop, settings)) {}

  const StitchLayout& layout() const { return layout_; }
  /// Canvases per crop (depth chunks, §2.4).
  int chunksPerCrop() const { return static_cast<int>(layout_.chunks().size()); }

  /// Images [B, X, Y, Z] or [B, 1, X, Y, Z] (any float type) -> canvases [B * m, S, S]
  /// (crop-major, then chunk), background 0.
  torch::Tensor stitchImages(const torch::Tensor& crops) const;
  /// Labels [B, X, Y, Z] (integer) -> int64 canvases [B * m, S, S], background 255 (ignored by
  /// the loss). Resample mode uses nearest-neighbour sampling.
  torch::Tensor stitchLabels(const torch::Tensor& labels) const;

  /// Per-class canvases [B * m, C, S, S] -> [B, C, X, Y, Z]. Slices held by two chunks are
  /// averaged (sum / count); resample mode resizes tile content back bilinearly.
  torch::Tensor unstitchProbabilities(const torch::Tensor& canvases) const;
  /// Label canvases [B * m, S, S] -> [B, X, Y, Z] (int64). Where two chunks overlap the later
  /// chunk wins; use unstitchProbabilities + argmax to combine overlapping predictions.
  torch::Tensor unstitchLabels(const torch::Tensor& canvases) const;

 private:
  torch::Tensor placeResampled(const torch::Tensor& slices, bool nearest, double fill) const;
  torch::Tensor gatherResampled(const torch::Tensor& canvases) const;

  StitchLayout layout_;
  // Released mode: for chunk c, flat canvas index of every voxel (x, y, z) of that chunk, in
  // [X, Y, Zc] C-order; and the z range it covers.
  std::vector<torch::Tensor> pixelIndex_;
};

}  // namespace sfr::engine
