#pragma once
// Losses of SFR fine-tuning (§3.8) and re-training (§5.3), written as plain functions in the style
// of torch::nn::functional. Inputs are channel-first: probabilities/logits [B, C, ...] and integer
// class targets [B, ...] (any number of spatial dims).
#include <cstdint>
#include <optional>

#include <torch/arg.h>
#include <torch/torch.h>

namespace sfr::engine {

struct DiceLossOptions {
  /// Smoothing term added to numerator and denominator (SFR's `smooth = 1e-10`).
  TORCH_ARG(double, smooth) = 1e-10;
  /// Target value that belongs to no class (SFR's stitching padding 255). Its voxels are 0 in every
  /// one-hot channel. Values that are neither a class nor this index are an error.
  TORCH_ARG(std::optional<int64_t>, ignore_index) = std::nullopt;
  /// Released quirk (default false): ignored voxels still add p^2 to the denominator. When true
  /// they are removed from the prediction as well (the spec's "masked variant").
  TORCH_ARG(bool, mask_prediction) = false;
};

/// SFR/UA-MT soft Dice: for every class i, over the whole batch (not per sample),
/// d_i = 1 - (2 sum(p_i t_i) + s) / (sum(p_i^2) + sum(t_i^2) + s); returns mean_i d_i (background
/// included). `probabilities` [B, C, ...] (already softmaxed), `target` [B, ...] integer classes.
torch::Tensor softDiceLoss(const torch::Tensor& probabilities, const torch::Tensor& target,
                           const DiceLossOptions& options = {});

/// PyTorch CrossEntropyLoss with mean reduction over the voxels whose target is not
/// `ignore_index` (no index ignored by default). `logits` [B, C, ...], `target` [B, ...].
torch::Tensor crossEntropyLoss(const torch::Tensor& logits, const torch::Tensor& target,
                               std::optional<int64_t> ignore_index = std::nullopt);

/// UA-MT `softmax_mse_loss`: the element-wise map (softmax(a) - softmax(b))^2 over dim 1,
/// same shape as the inputs. Gradients flow into both arguments; detach the teacher yourself.
torch::Tensor softmaxMseMap(const torch::Tensor& studentLogits, const torch::Tensor& teacherLogits);

/// Mean of softmaxMseMap over every element (samples, channels, voxels): SFR's L_c.
torch::Tensor softmaxMseLoss(const torch::Tensor& studentLogits,
                             const torch::Tensor& teacherLogits);

/// UA-MT ramps.sigmoid_rampup: exp(-5 (1 - clip(current, 0, length)/length)^2); 1 when
/// length == 0.
double sigmoidRampup(double current, double length);

}  // namespace sfr::engine
