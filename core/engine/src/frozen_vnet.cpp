#include "sfr/engine/frozen_vnet.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

namespace nn = torch::nn;

// Per-output-channel scale and shift of the norm module at `index` of `seq` (identity when it is
// not a batch norm): norm(x) = scale * x + shift. Computed in double, rounded once at the end.
std::pair<torch::Tensor, torch::Tensor> normAffine(const nn::Sequential& seq, std::size_t index,
                                                   int64_t channels) {
  if (index < seq->size()) {
    if (auto bn = seq->ptr(index)->as<nn::BatchNorm3d>()) {
      const auto& o = bn->options;
      torch::Tensor var = bn->running_var.to(torch::kCPU, torch::kDouble);
      torch::Tensor mean = bn->running_mean.to(torch::kCPU, torch::kDouble);
      torch::Tensor gamma =
          o.affine() ? bn->weight.to(torch::kCPU, torch::kDouble) : torch::ones_like(var);
      torch::Tensor beta =
          o.affine() ? bn->bias.to(torch::kCPU, torch::kDouble) : torch::zeros_like(var);
      torch::Tensor scale = gamma / torch::sqrt(var + o.eps());
      return {scale, beta - mean * scale};
    }
  }
  auto d = torch::TensorOptions().dtype(torch::kDouble);
  return {torch::ones({channels}, d), torch::zeros({channels}, d)};
}

torch::Tensor doubleOnCpu(const torch::Tensor& t) {
  return t.to(torch::kCPU, torch::kDouble);
}

torch::Tensor biasOrZeros(const torch::Tensor& bias, int64_t channels) {
  return bias.defined() ? doubleOnCpu(bias)
                        : torch::zeros({channels}, torch::TensorOptions().dtype(torch::kDouble));
}

// The Conv3d at `index` of `seq` with the norm after it folded in.
std::pair<torch::Tensor, torch::Tensor> foldConv(const nn::Sequential& seq, std::size_t index) {
  auto conv = seq->ptr(index)->as<nn::Conv3d>();
  const int64_t out = conv->weight.size(0);
  auto [scale, shift] = normAffine(seq, index + 1, out);
  return {doubleOnCpu(conv->weight) * scale.view({-1, 1, 1, 1, 1}),
          biasOrZeros(conv->bias, out) * scale + shift};
}

// matrix [M, K] times every batch item of x [B, K, N] -> [B, M, N], without copying x.
torch::Tensor leftMultiply(const torch::Tensor& matrix, const torch::Tensor& x) {
  torch::Tensor y = torch::empty({x.size(0), matrix.size(0), x.size(2)}, x.options());
  for (int64_t i = 0; i < x.size(0); ++i) {
    torch::Tensor out = y[i];
    torch::mm_out(out, matrix, x[i]);
  }
  return y;
}

}  // namespace

bool FrozenVNet::supports(const VNetOptions& options) {
  return options.normalization() == Normalization::BatchNorm ||
         options.normalization() == Normalization::None;
}

std::vector<FrozenVNet::Conv> FrozenVNet::foldBlock(const ConvBlockImpl& block,
                                                    const torch::Device& device) {
  std::vector<Conv> convs;
  const nn::Sequential& seq = block.conv;
  for (std::size_t i = 0; i < seq->size(); ++i) {
    if (!seq->ptr(i)->as<nn::Conv3d>()) continue;
    auto [w, b] = foldConv(seq, i);
    convs.push_back({w.to(device, torch::kFloat), b.to(device, torch::kFloat), 1, 1});
  }
  return convs;
}

FrozenVNet::Up FrozenVNet::foldUp(const ResampleBlockImpl& block, const torch::Device& device) {
  const nn::Sequential& seq = block.conv;
  auto deconv = seq->ptr(0)->as<nn::ConvTranspose3d>();
  // weight [Cin, Cout, 2, 2, 2] -> rows (cout, dx, dy, dz), columns cin.
  const int64_t in = deconv->weight.size(0), out = deconv->weight.size(1);
  auto [scale, shift] = normAffine(seq, 1, out);
  torch::Tensor w = doubleOnCpu(deconv->weight) * scale.view({1, -1, 1, 1, 1});
  Up up;
  up.matrix = w.reshape({in, 8 * out}).t().contiguous().to(device, torch::kFloat);
  up.bias = (biasOrZeros(deconv->bias, out) * scale + shift).to(device, torch::kFloat);
  return up;
}

FrozenVNet::FrozenVNet(const VNet& net, torch::Device device)
    : options_(net->options()), device_(device) {
  if (!supports(options_))
    throw Error("frozen V-Net",
                "only batch-norm or norm-free V-Nets can be folded; use the module itself");
  oneDnn_ = device_.is_cpu() && at::hasMKLDNN();
  torch::NoGradGuard noGrad;
  const ConvBlock encoder[5] = {net->block_one, net->block_two, net->block_three, net->block_four,
                                net->block_five};
  const ConvBlock decoder[4] = {net->block_six, net->block_seven, net->block_eight,
                                net->block_nine};
  const ResampleBlock downs[4] = {net->block_one_dw, net->block_two_dw, net->block_three_dw,
                                  net->block_four_dw};
  const ResampleBlock ups[4] = {net->block_five_up, net->block_six_up, net->block_seven_up,
                                net->block_eight_up};
  for (int i = 0; i < 5; ++i) encoder_[i] = foldBlock(*encoder[i], device_);
  for (int i = 0; i < 4; ++i) {
    decoder_[i] = foldBlock(*decoder[i], device_);
    auto [w, b] = foldConv(downs[i]->conv, 0);
    down_[i] = {Conv{w.to(device_, torch::kFloat), b.to(device_, torch::kFloat), 2, 0}};
    up_[i] = foldUp(*ups[i], device_);
  }
  const int64_t classes = net->out_conv->weight.size(0);
  outMatrix_ = net->out_conv->weight.detach().reshape({classes, -1}).to(device_).clone();
  outBias_ = net->out_conv->bias.defined()
                 ? net->out_conv->bias.detach().to(device_).clone()
                 : torch::zeros({classes}, torch::TensorOptions().device(device_));
  outBias_ = outBias_.view({classes, 1});
}

torch::Tensor FrozenVNet::convolve(const Conv& c, const torch::Tensor& x) const {
  const std::vector<int64_t> stride(3, c.stride), padding(3, c.padding), dilation(3, 1);
  torch::Tensor y =
      oneDnn_ ? at::mkldnn_convolution(x, c.weight, c.bias, padding, stride, dilation, /*groups=*/1)
              : torch::conv3d(x, c.weight, c.bias, stride, padding);
  return y.relu_();
}

torch::Tensor FrozenVNet::runBlock(const std::vector<Conv>& block, torch::Tensor x) const {
  for (const Conv& c : block) x = convolve(c, x);
  return x;
}

torch::Tensor FrozenVNet::upInto(const Up& up, const torch::Tensor& x, torch::Tensor skip) {
  const int64_t b = x.size(0), c = x.size(1), sx = x.size(2), sy = x.size(3), sz = x.size(4);
  const int64_t out = up.bias.size(0);
  // [8 Cout, Cin] x [Cin, V] -> [8 Cout, V], one product per window (a batched matmul would
  // copy x into a transposed layout first).
  torch::Tensor y = leftMultiply(up.matrix, x.reshape({b, c, sx * sy * sz}));
  if (!y.is_cpu() || y.scalar_type() != torch::kFloat || skip.scalar_type() != torch::kFloat) {
    // Generic path (CUDA, other dtypes): interleave with tensor ops.
    torch::Tensor full =
        (y.view({b, out, 2, 2, 2, sx, sy, sz}) + up.bias.view({1, -1, 1, 1, 1, 1, 1, 1}))
            .relu_()
            .permute({0, 1, 5, 2, 6, 3, 7, 4})
            .reshape(skip.sizes());
    return skip.add_(full);
  }
  skip = skip.contiguous();
  const float* src = y.data_ptr<float>();
  const float* bias = up.bias.data_ptr<float>();
  float* dst = skip.data_ptr<float>();
  const int64_t plane = sx * sy * sz;          // one sub-grid of y
  const int64_t oy = 2 * sy, oz = 2 * sz;      // output row lengths
  const int64_t outVolume = 2 * sx * oy * oz;  // one output channel
  // Each (batch, channel, x row) pair of the output is written by exactly one task.
  at::parallel_for(0, b * out * sx, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t i = task % sx, bc = task / sx, co = bc % out;
      const float beta = bias[co];
      for (int64_t dx = 0; dx < 2; ++dx)
        for (int64_t j = 0; j < sy; ++j)
          for (int64_t dy = 0; dy < 2; ++dy) {
            float* row = dst + bc * outVolume + ((2 * i + dx) * oy + (2 * j + dy)) * oz;
            const float* even = src + (bc * 8 + dx * 4 + dy * 2) * plane + (i * sy + j) * sz;
            const float* odd = even + plane;
            for (int64_t k = 0; k < sz; ++k) {
              row[2 * k] += std::max(even[k] + beta, 0.0f);
              row[2 * k + 1] += std::max(odd[k] + beta, 0.0f);
            }
          }
    }
  });
  return skip;
}

torch::Tensor FrozenVNet::forward(const torch::Tensor& input) const {
  checkVNetInput(options_, input);
  torch::NoGradGuard noGrad;
  torch::Tensor x = input.to(device_, torch::kFloat).contiguous();
  torch::Tensor skips[4];
  for (int level = 0; level < 4; ++level) {
    skips[level] = runBlock(encoder_[level], x);
    x = runBlock(down_[level], skips[level]);
  }
  x = runBlock(encoder_[4], x);
  for (int level = 0; level < 4; ++level) {
    x = upInto(up_[level], x, std::move(skips[3 - level]));
    x = runBlock(decoder_[level], x);
  }
  const int64_t b = x.size(0), f = x.size(1);
  torch::Tensor logits = leftMultiply(outMatrix_, x.reshape({b, f, -1})).add_(outBias_);
  return logits.view({b, -1, x.size(2), x.size(3), x.size(4)});
}

}  // namespace sfr::engine
