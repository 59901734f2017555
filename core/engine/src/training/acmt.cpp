#include "sfr/engine/training/acmt.h"

#include "sfr/base/error.h"
#include "sfr/engine/losses.h"

namespace sfr::engine {

AcmtMethod::AcmtMethod(const TrainingSettings& settings) : TeacherStudentMethod(settings) {
  if (this->settings().network().classes() < 2)
    throw Error("training.network.classes", "acmt needs at least 2 classes (entropy / ln C)");
  VNet studentNet(this->settings().network());
  VNet teacherNet(this->settings().network());
  initialise(studentNet.ptr(), studentNet, teacherNet.ptr(), teacherNet);
}

torch::Tensor AcmtMethod::computeLoss(const TrainingBatch& batch, StepResult& result) {
  const int64_t bl = batch.labelledCount();
  const torch::Tensor unlabelled = batch.unlabelledImages();
  // Pseudo-labels first: a failing labeler then leaves the networks untouched.
  const torch::Tensor pseudo = pseudoLabelsFor(batch);
  const torch::Tensor logits = student()->forward(batch.images).logits;
  torch::Tensor teacherLogits;
  {
    torch::NoGradGuard noGrad;
    teacherLogits =
        teacher()->forward(unlabelled + teacherNoise(unlabelled, settings().teacher())).logits;
  }
  const torch::Tensor supervised = halfCeHalfDice(logits.slice(0, 0, bl), batch.labels);
  result.losses.push_back({"supervised", supervised.item<double>()});
  torch::Tensor total = supervised;
  const torch::Tensor studentU = logits.slice(0, bl);
  if (pseudo.defined()) {
    const torch::Tensor lp = halfCeHalfDice(studentU, pseudo);
    result.losses.push_back({"pseudo", lp.item<double>()});
    total = total + settings().pseudo_labels().lambda_pseudo() * lp;
  }

  // Entropy selection: only the ambiguous voxels (normalised student entropy >= tau) count.
  const double tau = entropyThresholdAt(settings().acmt(), settings().iterations(), iteration());
  torch::Tensor mask;
  {
    torch::NoGradGuard noGrad;
    const torch::Tensor entropy = normalisedEntropy(torch::softmax(studentU, 1));
    mask = (entropy >= tau).unsqueeze(1).expand_as(studentU).to(studentU.scalar_type());
  }
  const torch::Tensor dist = softmaxMseMap(studentU, teacherLogits);
  const torch::Tensor consistency = (mask * dist).sum() / (mask.sum() + 1e-16);
  const double w = consistencyWeightAt(settings().consistency(), iteration());
  result.losses.push_back({"consistency", consistency.item<double>()});
  result.scalars.push_back({"consistency_weight", w});
  result.scalars.push_back({"entropy_threshold", tau});
  result.scalars.push_back({"selected_fraction", mask.mean().item<double>()});
  return total + w * consistency;
}

}  // namespace sfr::engine
