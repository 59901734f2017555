#pragma once
// Builds re-training batches from whole volumes the way the released DataLoader does (§5.2):
// TwoStreamBatchSampler picks the cases, each crop goes through RandomRotFlip (optional) ->
// RandomCrop, and the crops are stacked [labelled | unlabelled]. Labelled cases have dataset
// indices [0, L), unlabelled ones [L, L + U), as in the released split. All randomness comes from
// the caller's std::mt19937_64 (the training method's rng()), so a run resumes exactly.
#include <memory>
#include <random>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/engine/augment.h"
#include "sfr/engine/training/training_batch.h"
#include "sfr/engine/training/training_settings.h"
#include "sfr/engine/training/two_stream_batch_sampler.h"

namespace sfr::engine {

class TwoStreamBatchLoader {
 public:
  /// `labelled`: image [X, Y, Z] float + label [X, Y, Z] integer per case; `unlabelled`: images
  /// [X, Y, Z] float. Uses settings.labelled(), unlabelled(), crop() and rot_flip(). Throws
  /// sfr::Error for mismatched shapes, non-float images or an unusable sampler configuration.
  TwoStreamBatchLoader(std::vector<CropPair> labelled, std::vector<torch::Tensor> unlabelled,
                       const BatchSettings& settings);

  /// Draws the next batch (CPU tensors; the training method moves them to its device).
  TrainingBatch next(std::mt19937_64& rng);

  const TwoStreamBatchSampler& sampler() const { return sampler_; }
  const BatchSettings& settings() const { return settings_; }

  /// The sampler's position inside the current epoch.
  nlohmann::json state() const;
  void restoreState(const nlohmann::json& state);

 private:
  CropPair transform(const CropPair& item, std::mt19937_64& rng, RotFlip& orientation) const;

  std::vector<CropPair> labelled_;
  std::vector<CropPair> unlabelled_;  ///< label: zeros (uint8), carried only through the transform
  BatchSettings settings_;
  TwoStreamBatchSampler sampler_;
};

}  // namespace sfr::engine
