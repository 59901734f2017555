#pragma once
// The 3D V-Net of UA-MT (code/networks/vnet.py) and SFR's "hierarchical" variant with three
// auxiliary heads (spec §5.1). Module names mirror the PyTorch attribute names exactly
// (`block_one.conv.0.weight`, ..., `out_conv_dp1.bias`), so a Python state dict maps 1:1 onto
// named_parameters()/named_buffers() and checkpoints load without renaming.
//
// Tensors are [B, C, X, Y, Z] with Z fastest (§1.2): the convolution's "D, H, W" are (x, y, z).
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/vnet_options.h"

namespace sfr::engine {

/// What one forward pass returns.
struct VNetOutput {
  torch::Tensor logits;  ///< [B, classes, X, Y, Z]
  /// Auxiliary head logits resized (nearest) to the input size, in SFR's return order
  /// {dp1(x8), dp2(x7), dp3(x6)}; empty when the net has no auxiliary heads.
  std::vector<torch::Tensor> aux;
};

/// UA-MT ConvBlock: n x [Conv3d(k3, pad 1) -> norm -> ReLU], not residual.
class ConvBlockImpl : public torch::nn::Module {
 public:
  ConvBlockImpl(int64_t stages, int64_t in, int64_t out, Normalization norm);
  torch::Tensor forward(const torch::Tensor& x) { return conv->forward(x); }

  torch::nn::Sequential conv;
};
TORCH_MODULE(ConvBlock);

/// UA-MT DownsamplingConvBlock (Conv3d k2 s2) or UpsamplingDeconvBlock (ConvTranspose3d k2 s2),
/// each followed by the norm layer and ReLU.
class ResampleBlockImpl : public torch::nn::Module {
 public:
  enum class Direction { Down, Up };
  ResampleBlockImpl(Direction direction, int64_t in, int64_t out, Normalization norm);
  torch::Tensor forward(const torch::Tensor& x) { return conv->forward(x); }

  torch::nn::Sequential conv;
};
TORCH_MODULE(ResampleBlock);

class VNetImpl : public torch::nn::Module {
 public:
  /// Builds the net with PyTorch's default initialisation; throws sfr::Error for invalid options.
  explicit VNetImpl(const VNetOptions& options = {});

  /// `input` is [B, in_channels, X, Y, Z] with X, Y, Z divisible by 16 (sfr::Error otherwise).
  VNetOutput forward(const torch::Tensor& input);

  const VNetOptions& options() const { return options_; }

  ConvBlock block_one{nullptr};
  ResampleBlock block_one_dw{nullptr};
  ConvBlock block_two{nullptr};
  ResampleBlock block_two_dw{nullptr};
  ConvBlock block_three{nullptr};
  ResampleBlock block_three_dw{nullptr};
  ConvBlock block_four{nullptr};
  ResampleBlock block_four_dw{nullptr};
  ConvBlock block_five{nullptr};
  ResampleBlock block_five_up{nullptr};
  ConvBlock block_six{nullptr};
  ResampleBlock block_six_up{nullptr};
  ConvBlock block_seven{nullptr};
  ResampleBlock block_seven_up{nullptr};
  ConvBlock block_eight{nullptr};
  ResampleBlock block_eight_up{nullptr};
  ConvBlock block_nine{nullptr};
  torch::nn::Conv3d out_conv{nullptr};
  torch::nn::Conv3d out_conv_dp1{nullptr};  ///< on x8 (2 x filters); only with auxiliary heads
  torch::nn::Conv3d out_conv_dp2{nullptr};  ///< on x7 (4 x filters)
  torch::nn::Conv3d out_conv_dp3{nullptr};  ///< on x6 (8 x filters)
  torch::nn::Dropout3d dropout{nullptr};    ///< one instance, shared by every dropout site

 private:
  VNetOptions options_;
};
TORCH_MODULE(VNet);

/// Throws sfr::Error unless `input` is [B, options.in_channels(), X, Y, Z] with X, Y, Z divisible
/// by 16 (the four 2x down-samplings).
void checkVNetInput(const VNetOptions& options, const torch::Tensor& input);

/// Number of parameter elements (sum of numel over named_parameters()), as PyTorch's
/// `sum(p.numel() for p in model.parameters())`.
int64_t parameterCount(const torch::nn::Module& module);

}  // namespace sfr::engine
