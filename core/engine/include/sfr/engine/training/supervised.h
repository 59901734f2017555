#pragma once
// The methods without a teacher.
//  - "supervised": L = L_s = 0.5 CE + 0.5 Dice on the labelled crops only; the student sees only
//    the labelled half of the batch (UA-MT's supervised baseline). It never uses pseudo-labels.
//  - "self-training" (SFR-ST, spec §5.4): the student sees the whole batch, L = L_s + lambda L_p
//    with L_p = 0.5 (CE + Dice)(student on the unlabelled crops, pseudo-labels). Without a
//    PseudoLabeler it trains on L_s alone (the unlabelled crops still shape BatchNorm's batch
//    statistics).
#include "sfr/engine/training/training_method.h"

namespace sfr::engine {

class SupervisedMethod : public TrainingMethod {
 public:
  explicit SupervisedMethod(const TrainingSettings& settings);
  std::string name() const override { return "supervised"; }
  bool usesPseudoLabels() const override { return false; }

 protected:
  torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) override;
  int64_t minimumUnlabelled() const override { return 0; }
};

class SelfTrainingMethod : public TrainingMethod {
 public:
  explicit SelfTrainingMethod(const TrainingSettings& settings);
  std::string name() const override { return "self-training"; }

 protected:
  torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) override;
  /// Unlabelled crops are needed only when there is a labeler to label them.
  int64_t minimumUnlabelled() const override { return pseudoLabeler() ? 1 : 0; }
};

}  // namespace sfr::engine
