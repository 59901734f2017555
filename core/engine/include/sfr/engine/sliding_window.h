#pragma once
// Sliding-window inference over a whole volume, exactly as UA-MT/SFR `test_single_case` (§7.1):
// zero-pad axes smaller than the patch (left = pad // 2), windows start at min(stride * i,
// size - patch) for i < ceil((size - patch) / stride) + 1, softmax per window, sum the
// probabilities and divide by the number of windows covering each voxel, argmax (ties -> lowest
// class), crop the padding back off.
//
// Memory stays bounded: only the score map [C, X', Y', Z'] and one batch of windows are alive;
// the per-voxel window count is the outer product of the per-axis counts (the windows form a
// Cartesian grid), so no count volume is accumulated.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "sfr/base/progress.h"
#include "sfr/engine/sliding_window_options.h"
#include "sfr/engine/vnet.h"

namespace sfr::engine {

/// Zero padding of one axis: `left = pad // 2`, `right = pad - left`, pad = max(patch - size, 0).
struct AxisPadding {
  int64_t left = 0;
  int64_t right = 0;
};
AxisPadding axisPadding(int64_t size, int64_t patch);

/// Window start positions along one (already padded) axis: min(stride * i, size - patch) for
/// i = 0 .. ceil((size - patch) / stride). Throws sfr::Error when size < patch or stride < 1.
std::vector<int64_t> windowStarts(int64_t size, int64_t patch, int64_t stride);

struct SlidingWindowResult {
  torch::Tensor probabilities;  ///< [C, X, Y, Z] float32 on the CPU (averaged softmax)
  torch::Tensor labels;         ///< [X, Y, Z] uint8 on the CPU (argmax over C)
  int64_t windows = 0;          ///< number of windows evaluated
};

/// Maps a batch of windows [N, C_in, px, py, pz] to logits [N, C, px, py, pz].
using LogitsFunction = std::function<torch::Tensor(const torch::Tensor&)>;

class SlidingWindowPredictor {
 public:
  /// Predicts with a V-Net. The net is moved to options.device(); each predict() call runs it in
  /// eval mode and restores its previous train/eval mode afterwards. Throws sfr::Error for invalid
  /// options or an unavailable device.
  SlidingWindowPredictor(VNet net, SlidingWindowOptions options);
  /// Predicts with any network; `logits` receives batches already on options.device().
  SlidingWindowPredictor(LogitsFunction logits, SlidingWindowOptions options);

  /// `volume` is [X, Y, Z] (one channel) or [C_in, X, Y, Z], any floating dtype and device.
  /// Runs under torch::InferenceMode. Reports stage "predict" (windows done / total) and stops
  /// with sfr::Cancelled between batches when `cancel` is set.
  SlidingWindowResult predict(const torch::Tensor& volume, ProgressSink* progress = nullptr,
                              const CancelToken* cancel = nullptr) const;

  const SlidingWindowOptions& options() const { return options_; }
  const torch::Device& device() const { return device_; }

 private:
  SlidingWindowResult run(const torch::Tensor& volume, ProgressSink* progress,
                          const CancelToken* cancel) const;

  SlidingWindowOptions options_;
  torch::Device device_;
  VNet net_{nullptr};
  LogitsFunction logits_;
};

/// Parses "cpu", "cuda", "cuda:<n>"; throws sfr::Error when the string is malformed or the device
/// is not available in this build/machine.
torch::Device parseDevice(const std::string& name);

}  // namespace sfr::engine
