#include "sfr/engine/losses.h"

#include <algorithm>
#include <cmath>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

void requireMatchingShapes(const torch::Tensor& input, const torch::Tensor& target,
                           const char* what) {
  const bool ok = input.dim() >= 2 && target.dim() == input.dim() - 1 &&
                  target.size(0) == input.size(0) &&
                  target.sizes().slice(1) == input.sizes().slice(2);
  if (!ok)
    throw Error(what,
                "expected input [B, C, ...] and target [B, ...] with the same B and space, "
                "got " +
                    c10::str(input.sizes()) + " and " + c10::str(target.sizes()));
  if (at::isFloatingType(target.scalar_type()) || target.scalar_type() == torch::kBool)
    throw Error(what, "target must hold integer class indices, got " +
                          std::string(c10::toString(target.scalar_type())));
}

}  // namespace

torch::Tensor softDiceLoss(const torch::Tensor& probabilities, const torch::Tensor& target,
                           const DiceLossOptions& options) {
  requireMatchingShapes(probabilities, target, "Dice loss");
  const int64_t classes = probabilities.size(1);
  const torch::Tensor t = target.to(torch::kLong);
  torch::Tensor valid;
  if (options.ignore_index()) valid = t != *options.ignore_index();
  {
    // A value outside [0, C) that is not the ignore index is a bug upstream, not a class.
    torch::Tensor bad = (t < 0) | (t >= classes);
    if (valid.defined()) bad &= valid;
    if (bad.any().item<bool>())
      throw Error("Dice loss", "target holds values outside [0, " + std::to_string(classes) + ")");
  }
  // One-hot channels [t == i]: ignored voxels are 0 in every channel (SFR _one_hot_encoder).
  std::vector<int64_t> shape = {1, classes};
  for (int64_t d = 1; d < t.dim(); ++d) shape.push_back(1);
  const torch::Tensor classIds = torch::arange(classes, t.options()).view(shape);
  const torch::Tensor oneHot = (t.unsqueeze(1) == classIds).to(probabilities.dtype());

  torch::Tensor p = probabilities;
  if (options.mask_prediction() && valid.defined())
    p = p * valid.unsqueeze(1).to(probabilities.dtype());

  // Sum over batch and space, keep classes: dims {0, 2, 3, ...}.
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < p.dim(); ++d) dims.push_back(d);
  const torch::Tensor intersect = (p * oneHot).sum(dims);
  const torch::Tensor ySum = (oneHot * oneHot).sum(dims);
  const torch::Tensor zSum = (p * p).sum(dims);
  const double s = options.smooth();
  const torch::Tensor perClass = 1.0 - (2.0 * intersect + s) / (zSum + ySum + s);
  return perClass.mean();
}

torch::Tensor crossEntropyLoss(const torch::Tensor& logits, const torch::Tensor& target,
                               std::optional<int64_t> ignore_index) {
  requireMatchingShapes(logits, target, "cross-entropy loss");
  auto options = torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kMean);
  if (ignore_index) options.ignore_index(*ignore_index);
  return torch::nn::functional::cross_entropy(logits, target.to(torch::kLong), options);
}

torch::Tensor softmaxMseMap(const torch::Tensor& studentLogits,
                            const torch::Tensor& teacherLogits) {
  if (studentLogits.sizes() != teacherLogits.sizes())
    throw Error("softmax MSE", "student " + c10::str(studentLogits.sizes()) + " and teacher " +
                                   c10::str(teacherLogits.sizes()) + " differ in shape");
  if (studentLogits.dim() < 2) throw Error("softmax MSE", "expected [B, C, ...] logits");
  const torch::Tensor diff = torch::softmax(studentLogits, 1) - torch::softmax(teacherLogits, 1);
  return diff * diff;
}

torch::Tensor softmaxMseLoss(const torch::Tensor& studentLogits,
                             const torch::Tensor& teacherLogits) {
  return softmaxMseMap(studentLogits, teacherLogits).mean();
}

double sigmoidRampup(double current, double length) {
  if (length == 0.0) return 1.0;
  const double clipped = std::clamp(current, 0.0, length);
  const double phase = 1.0 - clipped / length;
  return std::exp(-5.0 * phase * phase);
}

}  // namespace sfr::engine
