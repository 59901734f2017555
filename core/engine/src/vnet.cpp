#include "sfr/engine/vnet.h"

#include <string>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

namespace nn = torch::nn;

// Appends UA-MT's norm layer for `channels` (nothing for Normalization::None).
void appendNorm(nn::Sequential& seq, Normalization norm, int64_t channels) {
  switch (norm) {
    case Normalization::BatchNorm:
      seq->push_back(nn::BatchNorm3d(channels));
      break;
    case Normalization::GroupNorm:
      seq->push_back(nn::GroupNorm(16, channels));
      break;
    case Normalization::InstanceNorm:
      // PyTorch's InstanceNorm3d defaults: affine=False, track_running_stats=False.
      seq->push_back(nn::InstanceNorm3d(nn::InstanceNorm3dOptions(channels)));
      break;
    case Normalization::None:
      break;
  }
}

nn::ReLU relu() {
  return nn::ReLU(nn::ReLUOptions().inplace(true));
}

}  // namespace

ConvBlockImpl::ConvBlockImpl(int64_t stages, int64_t in, int64_t out, Normalization norm) {
  for (int64_t i = 0; i < stages; ++i) {
    conv->push_back(nn::Conv3d(nn::Conv3dOptions(i == 0 ? in : out, out, 3).padding(1)));
    appendNorm(conv, norm, out);
    conv->push_back(relu());
  }
  register_module("conv", conv);
}

ResampleBlockImpl::ResampleBlockImpl(Direction direction, int64_t in, int64_t out,
                                     Normalization norm) {
  if (direction == Direction::Down)
    conv->push_back(nn::Conv3d(nn::Conv3dOptions(in, out, 2).stride(2).padding(0)));
  else
    conv->push_back(
        nn::ConvTranspose3d(nn::ConvTranspose3dOptions(in, out, 2).stride(2).padding(0)));
  appendNorm(conv, norm, out);
  conv->push_back(relu());
  register_module("conv", conv);
}

VNetImpl::VNetImpl(const VNetOptions& options) : options_(options) {
  options_.validate();
  const int64_t f = options_.filters();
  const Normalization n = options_.normalization();
  using D = ResampleBlockImpl::Direction;
  // Registration order = PyTorch's attribute order, so state_dict() key order matches too.
  block_one = register_module("block_one", ConvBlock(1, options_.in_channels(), f, n));
  block_one_dw = register_module("block_one_dw", ResampleBlock(D::Down, f, 2 * f, n));
  block_two = register_module("block_two", ConvBlock(2, 2 * f, 2 * f, n));
  block_two_dw = register_module("block_two_dw", ResampleBlock(D::Down, 2 * f, 4 * f, n));
  block_three = register_module("block_three", ConvBlock(3, 4 * f, 4 * f, n));
  block_three_dw = register_module("block_three_dw", ResampleBlock(D::Down, 4 * f, 8 * f, n));
  block_four = register_module("block_four", ConvBlock(3, 8 * f, 8 * f, n));
  block_four_dw = register_module("block_four_dw", ResampleBlock(D::Down, 8 * f, 16 * f, n));
  block_five = register_module("block_five", ConvBlock(3, 16 * f, 16 * f, n));
  block_five_up = register_module("block_five_up", ResampleBlock(D::Up, 16 * f, 8 * f, n));
  block_six = register_module("block_six", ConvBlock(3, 8 * f, 8 * f, n));
  block_six_up = register_module("block_six_up", ResampleBlock(D::Up, 8 * f, 4 * f, n));
  block_seven = register_module("block_seven", ConvBlock(3, 4 * f, 4 * f, n));
  block_seven_up = register_module("block_seven_up", ResampleBlock(D::Up, 4 * f, 2 * f, n));
  block_eight = register_module("block_eight", ConvBlock(2, 2 * f, 2 * f, n));
  block_eight_up = register_module("block_eight_up", ResampleBlock(D::Up, 2 * f, f, n));
  block_nine = register_module("block_nine", ConvBlock(1, f, f, n));
  const int64_t c = options_.classes();
  out_conv = register_module("out_conv", nn::Conv3d(nn::Conv3dOptions(f, c, 1).padding(0)));
  if (options_.auxiliary_heads()) {
    out_conv_dp3 = register_module("out_conv_dp3", nn::Conv3d(nn::Conv3dOptions(8 * f, c, 1)));
    out_conv_dp2 = register_module("out_conv_dp2", nn::Conv3d(nn::Conv3dOptions(4 * f, c, 1)));
    out_conv_dp1 = register_module("out_conv_dp1", nn::Conv3d(nn::Conv3dOptions(2 * f, c, 1)));
  }
  dropout = register_module("dropout", nn::Dropout3d(nn::Dropout3dOptions(0.5)));
}

void checkVNetInput(const VNetOptions& options, const torch::Tensor& input) {
  if (input.dim() != 5 || input.size(1) != options.in_channels())
    throw Error("V-Net input", "expected [B, " + std::to_string(options.in_channels()) +
                                   ", X, Y, Z], got " + c10::str(input.sizes()));
  for (int64_t d = 2; d < 5; ++d)
    if (input.size(d) % 16 != 0)
      throw Error("V-Net input", "spatial size " + c10::str(input.sizes().slice(2)) +
                                     " must be divisible by 16 (four 2x downsamplings)");
}

VNetOutput VNetImpl::forward(const torch::Tensor& input) {
  checkVNetInput(options_, input);

  const bool drop = options_.has_dropout();
  torch::Tensor x1 = block_one(input);
  torch::Tensor x2 = block_two(block_one_dw(x1));
  torch::Tensor x3 = block_three(block_two_dw(x2));
  torch::Tensor x4 = block_four(block_three_dw(x3));
  torch::Tensor x5 = block_five(block_four_dw(x4));
  if (drop) x5 = dropout(x5);

  torch::Tensor x6 = block_six(block_five_up(x5) + x4);
  torch::Tensor x7 = block_seven(block_six_up(x6) + x3);
  torch::Tensor x8 = block_eight(block_seven_up(x7) + x2);
  torch::Tensor x9 = block_nine(block_eight_up(x8) + x1);
  if (drop) x9 = dropout(x9);

  VNetOutput out;
  out.logits = out_conv(x9);
  if (options_.auxiliary_heads()) {
    const bool pyramidDrop = options_.pyramid_has_dropout();
    auto head = [&](nn::Conv3d& conv, const torch::Tensor& features) {
      torch::Tensor h = conv(pyramidDrop ? dropout(features) : features);
      // F.interpolate(size=input size), default mode 'nearest'.
      return torch::nn::functional::interpolate(
          h, torch::nn::functional::InterpolateFuncOptions()
                 .size(std::vector<int64_t>(input.sizes().begin() + 2, input.sizes().end()))
                 .mode(torch::kNearest));
    };
    out.aux = {head(out_conv_dp1, x8), head(out_conv_dp2, x7), head(out_conv_dp3, x6)};
  }
  return out;
}

int64_t parameterCount(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.named_parameters()) n += p.value().numel();
  return n;
}

}  // namespace sfr::engine
