#pragma once
// "mean-teacher": the released SFR-MT (spec §5.3). The student sees the whole batch; the EMA
// teacher (train mode: dropout and BatchNorm batch statistics active) sees the whole batch plus
// clamped Gaussian noise. L = L_s + lambda L_p + w(iter) * mean((softmax(s) - softmax(t))^2) with
// the consistency over all samples (labelled and unlabelled), w = 0.1 sigmoid_rampup(iter // 150,
// 40). Without a PseudoLabeler it is the classic Mean Teacher with SFR's consistency.
#include "sfr/engine/training/training_method.h"

namespace sfr::engine {

class MeanTeacherMethod : public TeacherStudentMethod {
 public:
  explicit MeanTeacherMethod(const TrainingSettings& settings);
  std::string name() const override { return "mean-teacher"; }

 protected:
  torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) override;
};

}  // namespace sfr::engine
