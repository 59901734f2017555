#pragma once
// "acmt": SFR-ACMT, AC-MT's entropy-selection variant (spec §5.5). The teacher sees only the
// unlabelled crops plus clamped Gaussian noise; the consistency (softmax MSE) is averaged over the
// ambiguous voxels only, those whose normalised student entropy is >= tau(iter), a threshold that
// rises from Ent_th (0.75) to 0.95 along sigmoid_rampup(iter, iterations).
// L = L_s + lambda L_p + w(iter) * L_c. AC-MT's own noise-free teacher pass is skipped: its output
// is unused by the Ent variant.
#include "sfr/engine/training/training_method.h"

namespace sfr::engine {

class AcmtMethod : public TeacherStudentMethod {
 public:
  /// Needs at least 2 classes (the entropy is normalised by ln C).
  explicit AcmtMethod(const TrainingSettings& settings);
  std::string name() const override { return "acmt"; }

 protected:
  torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) override;
};

}  // namespace sfr::engine
