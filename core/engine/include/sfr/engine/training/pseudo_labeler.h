#pragma once
// Where the re-training methods get pseudo-labels for the unlabelled crops (spec §4.1). SFR's
// labeler stitches the crops, runs the frozen fine-tuned SAM and inverse-stitches the argmax; the
// trainers only see this interface, so any source of hard labels plugs in (SAM, a cached
// whole-volume prediction, a test double).
#include <torch/torch.h>

namespace sfr::engine {

class PseudoLabeler {
 public:
  virtual ~PseudoLabeler() = default;

  /// `unlabelledCrops` [B, 1, X, Y, Z] float: the same noise-free augmented crops the student sees,
  /// on the training device. Returns hard labels [B, X, Y, Z] (integer classes in [0, classes)),
  /// computed without gradient; the trainer converts them to int64 on its device.
  virtual torch::Tensor pseudoLabels(const torch::Tensor& unlabelledCrops) = 0;
};

}  // namespace sfr::engine
