#pragma once
// One re-training batch (spec §1.3): the labelled crops first, then the unlabelled ones.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/augment.h"

namespace sfr::engine {

struct TrainingBatch {
  torch::Tensor images;          ///< [B_l + B_u, 1, X, Y, Z] float: labelled crops first
  torch::Tensor labels;          ///< [B_l, X, Y, Z] int64: ground truth of the labelled crops
  std::vector<int64_t> indices;  ///< dataset index of every crop (for logs); may be empty
  /// The RandomRotFlip every crop went through (identity without one); may be empty. Lets the
  /// pseudo-labeler see the crops in the orientation SAM was fine-tuned in.
  std::vector<RotFlip> orientations;

  int64_t labelledCount() const { return labels.defined() ? labels.size(0) : 0; }
  int64_t unlabelledCount() const {
    return images.defined() ? images.size(0) - labelledCount() : 0;
  }
  /// [B_u, 1, X, Y, Z]: the unlabelled crops (a view).
  torch::Tensor unlabelledImages() const { return images.slice(0, labelledCount()); }
};

}  // namespace sfr::engine
