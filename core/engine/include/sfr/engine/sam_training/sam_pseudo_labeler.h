#pragma once
// SAM pseudo-labels (spec §4): the frozen fine-tuned SAM on stitched crops, inverse-stitched.
//
// Online mode (§4.1, what the re-training methods call every iteration): stitch the unlabelled
// crops (no Bézier, no rotation), SAM in eval mode under InferenceMode, softmax, inverse stitch
// of the probabilities, argmax. Slices held by two depth chunks (§2.4) are averaged before the
// argmax; for one chunk this equals the released argmax-on-the-canvas exactly.
//
// Whole-volume mode (§4.2, for review and SFR+): (x, y) windows of the crop size slid over the
// volume (§7.1 rule), each window's whole z extent stitched in depth chunks, probabilities
// averaged over windows; the volume's confidence is the mean over voxels of the max probability.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sfr/base/progress.h"
#include "sfr/base/stitch_layout.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/stitcher.h"
#include "sfr/engine/training/pseudo_labeler.h"

namespace sfr::engine {

struct SamVolumePrediction {
  torch::Tensor probabilities;  ///< [C, X, Y, Z] float32 CPU, averaged softmax
  torch::Tensor labels;         ///< [X, Y, Z] int64 CPU, argmax
  double confidence = 0;        ///< mean over voxels of max_c probability, in [1/C, 1]
  int64_t windows = 0;          ///< (x, y) windows evaluated
};

class SamPseudoLabeler : public PseudoLabeler {
 public:
  /// `model`: a fine-tuned SFR SAM (its image size must equal stitch.canvas). It is switched to
  /// eval mode and moved to `device`; it is only ever run under InferenceMode. `canvasBatch`
  /// canvases go through SAM at once.
  SamPseudoLabeler(Sam model, StitchSettings stitch, const std::string& device = "cpu",
                   int64_t canvasBatch = 2);

  /// [B, 1, X, Y, Z] (or [B, X, Y, Z]) float crops -> int64 labels [B, X, Y, Z] on the crops'
  /// device, classes in [0, C).
  torch::Tensor pseudoLabels(const torch::Tensor& unlabelledCrops) override;
  /// The per-voxel probabilities [B, C, X, Y, Z] (float32, crops' device) behind pseudoLabels.
  torch::Tensor probabilities(const torch::Tensor& crops);

  /// Whole-volume mode on a z-scored [X, Y, Z] volume with (x, y) windows of `window` and
  /// stride `strideXY` (volumes smaller than the window are zero-padded as in §7.1). Reports
  /// stage "predict" and honours `cancel` between windows.
  SamVolumePrediction predictVolume(const torch::Tensor& volume, std::array<int64_t, 2> window,
                                    int64_t strideXY, ProgressSink* progress = nullptr,
                                    const CancelToken* cancel = nullptr);

  Sam model() const { return model_; }
  int64_t classes() const;

 private:
  const Stitcher& stitcherFor(int64_t X, int64_t Y, int64_t Z);

  Sam model_;
  StitchSettings stitch_;
  torch::Device device_;
  int64_t canvasBatch_;
  std::map<std::array<int64_t, 3>, std::unique_ptr<Stitcher>> stitchers_;
};

}  // namespace sfr::engine
