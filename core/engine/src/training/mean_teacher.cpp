#include "sfr/engine/training/mean_teacher.h"

#include "sfr/engine/losses.h"

namespace sfr::engine {

MeanTeacherMethod::MeanTeacherMethod(const TrainingSettings& settings)
    : TeacherStudentMethod(settings) {
  // Two independent initialisations, as the released create_model() / create_model(ema=True);
  // the teacher's only matters for the consistency term of step 0.
  VNet studentNet(this->settings().network());
  VNet teacherNet(this->settings().network());
  initialise(studentNet.ptr(), studentNet, teacherNet.ptr(), teacherNet);
}

torch::Tensor MeanTeacherMethod::computeLoss(const TrainingBatch& batch, StepResult& result) {
  const int64_t bl = batch.labelledCount();
  const torch::Tensor& x = batch.images;
  // Pseudo-labels first: a failing labeler then leaves the networks untouched.
  const torch::Tensor pseudo = pseudoLabelsFor(batch);
  const torch::Tensor logits = student()->forward(x).logits;
  torch::Tensor teacherLogits;
  {
    torch::NoGradGuard noGrad;
    teacherLogits = teacher()->forward(x + teacherNoise(x, settings().teacher())).logits;
  }
  const torch::Tensor supervised = halfCeHalfDice(logits.slice(0, 0, bl), batch.labels);
  result.losses.push_back({"supervised", supervised.item<double>()});
  torch::Tensor total = supervised;
  if (pseudo.defined()) {
    const torch::Tensor lp = halfCeHalfDice(logits.slice(0, bl), pseudo);
    result.losses.push_back({"pseudo", lp.item<double>()});
    total = total + settings().pseudo_labels().lambda_pseudo() * lp;
  }
  // SFR: the consistency covers every sample of the batch, labelled ones included.
  const torch::Tensor consistency = softmaxMseLoss(logits, teacherLogits);
  const double w = consistencyWeightAt(settings().consistency(), iteration());
  result.losses.push_back({"consistency", consistency.item<double>()});
  result.scalars.push_back({"consistency_weight", w});
  return total + w * consistency;
}

}  // namespace sfr::engine
