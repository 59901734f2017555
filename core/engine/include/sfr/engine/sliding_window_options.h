#pragma once
// Settings of sliding-window inference (spec §7.1 `test_single_case`). Free of <torch/torch.h> so
// the CLI and the studio's settings can hold them; <torch/arg.h> is a plain macro header.
#include <array>
#include <cstdint>
#include <string>

#include <torch/arg.h>
#include <nlohmann/json_fwd.hpp>

namespace sfr::engine {

using Extent3 = std::array<int64_t, 3>;  ///< (x, y, z) sizes in voxels

struct SlidingWindowOptions {
  /// Window size (x, y, z) in voxels; each must be divisible by 16 for the V-Net. LA: 112,112,80.
  TORCH_ARG(Extent3, patch) = {112, 112, 80};
  /// Step between window starts along x and y (LA: 18) and along z (LA: 4).
  TORCH_ARG(int64_t, stride_xy) = 18;
  TORCH_ARG(int64_t, stride_z) = 4;
  /// Windows per forward pass. 1 reproduces test_single_case call for call; larger batches change
  /// only floating-point rounding (the net is in eval mode).
  TORCH_ARG(int64_t, window_batch) = 1;
  /// Weight each window by a separable Gaussian (sigma = gaussian_sigma_scale x patch, centred) as
  /// nnU-Net does, instead of test_single_case's uniform average. Off by default.
  TORCH_ARG(bool, gaussian) = false;
  TORCH_ARG(double, gaussian_sigma_scale) = 0.125;
  /// Run the forward pass under autocast (float16 on CUDA, bfloat16 on CPU). Off by default;
  /// the softmax and the averaging always run in float32.
  TORCH_ARG(bool, mixed_precision) = false;
  /// Run a frozen copy of a batch-norm (or norm-free) V-Net: norm folded into the convolutions,
  /// channels-last activations, resampling as matrix products (see frozen_vnet.h). Changes only
  /// floating-point rounding; about twice as fast on the CPU. Ignored for group/instance norm,
  /// with mixed_precision, and for predictors built from a logits function.
  TORCH_ARG(bool, frozen_network) = true;
  /// "cpu", "cuda" or "cuda:<index>".
  TORCH_ARG(std::string, device) = "cpu";

 public:
  /// Throws sfr::Error naming the offending field.
  void validate() const;
  bool operator==(const SlidingWindowOptions& o) const;
  bool operator!=(const SlidingWindowOptions& o) const { return !(*this == o); }
};

void to_json(nlohmann::json& j, const SlidingWindowOptions& o);
/// Missing keys keep their defaults; wrong types or values throw sfr::Error.
void from_json(const nlohmann::json& j, SlidingWindowOptions& o);

}  // namespace sfr::engine
