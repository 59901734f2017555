#include "sfr/engine/training/supervised.h"

#include "sfr/engine/losses.h"

namespace sfr::engine {

SupervisedMethod::SupervisedMethod(const TrainingSettings& settings) : TrainingMethod(settings) {
  VNet net(this->settings().network());
  initialise(net.ptr(), net);
}

torch::Tensor SupervisedMethod::computeLoss(const TrainingBatch& batch, StepResult& result) {
  // Only the labelled half goes through the net (UA-MT's supervised baseline has no unlabelled
  // stream), so BatchNorm statistics come from labelled crops alone.
  const torch::Tensor labelled = batch.images.slice(0, 0, batch.labelledCount());
  const torch::Tensor logits = student()->forward(labelled).logits;
  const torch::Tensor ce = crossEntropyLoss(logits, batch.labels);
  const torch::Tensor dice = softDiceLoss(torch::softmax(logits, 1), batch.labels);
  const torch::Tensor supervised = 0.5 * ce + 0.5 * dice;
  result.losses.push_back({"supervised", supervised.item<double>()});
  result.losses.push_back({"ce", ce.item<double>()});
  result.losses.push_back({"dice", dice.item<double>()});
  return supervised;
}

SelfTrainingMethod::SelfTrainingMethod(const TrainingSettings& settings)
    : TrainingMethod(settings) {
  VNet net(this->settings().network());
  initialise(net.ptr(), net);
}

torch::Tensor SelfTrainingMethod::computeLoss(const TrainingBatch& batch, StepResult& result) {
  const int64_t bl = batch.labelledCount();
  // Pseudo-labels first: a failing labeler then leaves the network untouched.
  const torch::Tensor pseudo =
      batch.unlabelledCount() > 0 ? pseudoLabelsFor(batch) : torch::Tensor();
  const torch::Tensor logits = student()->forward(batch.images).logits;
  const torch::Tensor supervised = halfCeHalfDice(logits.slice(0, 0, bl), batch.labels);
  result.losses.push_back({"supervised", supervised.item<double>()});
  torch::Tensor total = supervised;
  if (pseudo.defined()) {
    const torch::Tensor lp = halfCeHalfDice(logits.slice(0, bl), pseudo);
    result.losses.push_back({"pseudo", lp.item<double>()});
    total = total + settings().pseudo_labels().lambda_pseudo() * lp;
  }
  return total;
}

}  // namespace sfr::engine
