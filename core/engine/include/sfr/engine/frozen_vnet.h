#pragma once
// An inference-only copy of a trained V-Net, built for throughput on the CPU (and valid on CUDA):
//  - eval-mode batch norm is an affine map per channel, so it is folded into the convolution
//    before it (weights scaled, bias shifted): no normalisation pass over the activations;
//  - every 3x3x3 and down-sampling convolution goes to oneDNN (mkldnn_convolution). LibTorch's
//    dispatch heuristic sends single-window batches of small channel count (the first block and
//    the 7x7x5 bottleneck) to the generic im2col path instead;
//  - the 2x2x2 stride-2 transposed convolutions do not overlap, so each is one matrix product
//    followed by a pass that interleaves the eight sub-grids, adds the bias, applies the ReLU and
//    accumulates into the skip connection in place (LibTorch's slow_conv_transpose3d otherwise
//    takes a tenth of a window's time, and the add another pass);
//  - the other ReLUs run in place; skip tensors are released as soon as they are consumed.
// The arithmetic is the same up to floating-point rounding (logits agree to ~1e-6).
// Networks with group or instance norm cannot be folded: supports() says so and callers keep
// the ordinary module.
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/vnet.h"

namespace sfr::engine {

class FrozenVNet {
 public:
  /// True for batch norm (folded with its running statistics) and no normalisation.
  static bool supports(const VNetOptions& options);

  /// Copies and folds the weights of `net` (its current values; later training does not reach
  /// the copy) onto `device`. Throws sfr::Error when supports(net->options()) is false.
  explicit FrozenVNet(const VNet& net, torch::Device device = torch::kCPU);

  /// Main-head logits [B, classes, X, Y, Z] for `input`
  /// [B, in_channels, X, Y, Z], X, Y, Z divisible by 16. Runs without autograd.
  torch::Tensor forward(const torch::Tensor& input) const;

  const VNetOptions& options() const { return options_; }
  torch::Device device() const { return device_; }

 private:
  struct Conv {  // a convolution with its norm folded in
    torch::Tensor weight, bias;
    int64_t stride = 1, padding = 1;
  };
  struct Up {              // a 2x2x2 stride-2 transposed convolution as a matrix product
    torch::Tensor matrix;  // [8 Cout, Cin], rows ordered (cout, dx, dy, dz)
    torch::Tensor bias;    // [Cout]
  };

  static std::vector<Conv> foldBlock(const ConvBlockImpl& block, const torch::Device& device);
  static Up foldUp(const ResampleBlockImpl& block, const torch::Device& device);
  torch::Tensor convolve(const Conv& conv, const torch::Tensor& x) const;
  torch::Tensor runBlock(const std::vector<Conv>& block, torch::Tensor x) const;
  /// skip += relu(transposed convolution of x); returns skip.
  static torch::Tensor upInto(const Up& up, const torch::Tensor& x, torch::Tensor skip);

  VNetOptions options_;
  torch::Device device_;
  bool oneDnn_ = false;  // convolve with mkldnn_convolution (CPU builds with oneDNN)
  std::vector<Conv> encoder_[5], decoder_[4];  // block_one..five; block_six..nine
  std::vector<Conv> down_[4];                  // one stride-2 convolution each
  Up up_[4];
  torch::Tensor outMatrix_, outBias_;  // 1x1 out_conv: [classes, filters], [classes, 1]
};

}  // namespace sfr::engine
