#include "sfr/engine/sam/tiny_vit.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "sfr/base/error.h"
#include "tiny_vit_kernels.h"

namespace sfr::engine {
namespace {

// ---- Inference path
// The forward passes below take a faster route when no gradient is recorded (torch::NoGradGuard
// or torch::InferenceMode) on float32 CPU tensors, with oneDNN and an AVX2 + FMA CPU
// (tiny_vit_kernels.h); otherwise, and always with gradients (LoRA fine-tuning), the plain
// LibTorch operators run as before. On the 2-core benchmark machine with LibTorch 1.13 this takes
// the 1024^2 forward from ~1.3 s to about ONNX Runtime's time
// (docs/bench/tinyvit-vs-onnxruntime.md):
//  - tokens stay (B*H*W, C) rows in image order, which is also the channels-last layout of the
//    convolutions: no window partition / unpartition or padding copies (windowAttentionRows);
//  - every Linear is a oneDNN 1x1 convolution of the rows, bias included (LibTorch 1.13's Linear
//    of 3-D input runs OpenBLAS, here ~1.5x slower, then adds the bias in a second pass);
//  - GELU runs in place in an AVX2 kernel (LibTorch's erf GELU is ~4x slower on channels-last
//    tensors), fused with the residual add of MBConv and with the depthwise convolutions;
//  - depthwise 3x3 convolutions run in an AVX2 kernel (oneDNN 2.6's took longer than all of
//    stage 0's 1x1 convolutions);
//  - window attention is one kernel per (window, head), in parallel: scores, scale, bias,
//    softmax and the product with v in cache (LibTorch's bmm makes one BLAS call per window and
//    head, one after another);
//  - residual adds are in place, LayerNorm2d of the neck is LayerNorm over the rows.
// The same operations in the same order: outputs differ from the module path by float rounding
// (test_minisam.cpp: InferencePathMatchesTheAutogradPath, and the ONNX Runtime parity test).

bool fastCpuPath(const torch::Tensor& x) {
  return !torch::GradMode::is_enabled() && x.is_cpu() && x.scalar_type() == torch::kFloat &&
         at::hasMKLDNN() && detail::tinyVitKernelsAvailable();
}

// Runs fn(begin, end) over [0, n) in parallel chunks of at least `grain`.
template <typename F>
void parallelRange(int64_t n, int64_t grain, const F& fn) {
  at::parallel_for(0, n, grain, fn);
}

// out = GELU(a (+ b)) elementwise over the raw storage of dense tensors of one layout; `out`
// may be `a`. Returns false (nothing done) when the layouts do not allow it.
bool geluRaw(const torch::Tensor& a, const torch::Tensor* b, const torch::Tensor& out) {
  if (!a.is_non_overlapping_and_dense() || !out.is_non_overlapping_and_dense() ||
      a.strides() != out.strides() || a.sizes() != out.sizes())
    return false;
  if (b && (b->sizes() != a.sizes() || b->strides() != a.strides() || !b->is_cpu() ||
            b->scalar_type() != torch::kFloat))
    return false;
  const float* pa = a.data_ptr<float>();
  const float* pb = b ? b->data_ptr<float>() : nullptr;
  float* po = out.data_ptr<float>();
  parallelRange(a.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    detail::geluErfKernel(pa + begin, pb ? pb + begin : nullptr, po + begin, end - begin);
  });
  return true;
}

// GELU(x), in place on x's storage on the inference path.
torch::Tensor geluInference(torch::Tensor x) {
  if (geluRaw(x, nullptr, x)) return x;
  return torch::gelu(x);
}

// GELU(a + b), written into a on the inference path.
torch::Tensor addGeluInference(torch::Tensor a, const torch::Tensor& b) {
  if (geluRaw(a, &b, a)) return a;
  return torch::gelu(a + b);
}

// A depthwise 3x3 convolution (padding 1, stride 1 or 2, with bias) of a channels-last NCHW
// tensor by the AVX2 kernel, GELU fused when `gelu`; channels-last result. oneDNN 2.6's
// depthwise kernel (LibTorch 1.13) spends more time on the 256-channel 256^2 MBConv convolutions
// than on all of the stage's 1x1 convolutions. Falls back to the module (+ GELU) for anything
// else.
torch::Tensor depthwiseInference(torch::nn::Conv2d conv, const torch::Tensor& x, bool gelu) {
  const auto& o = conv->options;
  const int64_t C = x.size(1);
  const auto k = o.kernel_size(), st = o.stride(), d = o.dilation();
  // Padding is 1 with zeros: fusedConv() builds every depthwise convolution of TinyViT.
  const bool ok = x.dim() == 4 && x.is_contiguous(torch::MemoryFormat::ChannelsLast) &&
                  C % 8 == 0 && o.groups() == C && o.in_channels() == C && o.out_channels() == C &&
                  k->at(0) == 3 && k->at(1) == 3 && st->at(0) == st->at(1) &&
                  (st->at(0) == 1 || st->at(0) == 2) && d->at(0) == 1 && d->at(1) == 1 &&
                  conv->bias.defined();
  if (!ok) return gelu ? geluInference(conv(x)) : conv(x);
  const int64_t B = x.size(0), H = x.size(2), W = x.size(3), s = st->at(0);
  const int64_t Ho = (H - 1) / s + 1, Wo = (W - 1) / s + 1;
  const torch::Tensor w = conv->weight.reshape({C, 9}).t().contiguous();  // (3, 3, C)
  const torch::Tensor b = conv->bias.contiguous();
  const torch::Tensor out =
      torch::empty({B, C, Ho, Wo}, x.options().memory_format(torch::MemoryFormat::ChannelsLast));
  const float* pi = x.data_ptr<float>();
  const float* pw = w.data_ptr<float>();
  const float* pb = b.data_ptr<float>();
  float* po = out.data_ptr<float>();
  parallelRange(B * Ho, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end;) {
      const int64_t img = r / Ho, oy0 = r % Ho, oy1 = std::min(Ho, oy0 + (end - r));
      detail::depthwise3x3Kernel(pi + img * H * W * C, H, W, C, pw, pb, s, gelu,
                                 po + img * Ho * Wo * C, oy0, oy1);
      r += oy1 - oy0;
    }
  });
  return out;
}

// Linear on (M, C) rows (contiguous) as a oneDNN 1x1 convolution of a channels-last (1, C, M, 1)
// image: (M, O) = x W^T + b, the result a view of oneDNN's channels-last output.
torch::Tensor linearRows(const torch::Tensor& x, const torch::nn::Linear& linear) {
  const int64_t M = x.size(0), C = x.size(1);
  const torch::Tensor& w = linear->weight;
  const int64_t O = w.size(0);
  const torch::Tensor in = x.contiguous().view({1, M, 1, C}).permute({0, 3, 1, 2});
  const torch::Tensor y = at::mkldnn_convolution(in, w.contiguous().view({O, C, 1, 1}),
                                                 linear->bias, {0, 0}, {1, 1}, {1, 1}, 1);
  return y.permute({0, 2, 3, 1}).reshape({M, O});
}

// Conv2d_BN after folding the batch norm into the convolution (§12.2): a conv with bias.
torch::nn::Conv2d fusedConv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                            int64_t groups = 1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(kernel / 2)
                               .groups(groups)
                               .bias(true));
}

// The exact erf form; the ONNX graph computes 0.5 x (1 + erf(x / sqrt 2)).
torch::Tensor geluErf(const torch::Tensor& x) {
  return torch::gelu(x);
}

// SAM's LayerNorm2d epsilon, which the neck uses.
constexpr double kNeckLayerNormEps = 1e-6;

std::string stageName(int64_t stage) {
  return "tiny_vit stage " + std::to_string(stage);
}

// The parts of one TinyViT attention that windowAttentionRows() needs.
struct WindowAttentionParts {
  const torch::nn::LayerNorm& norm;
  const torch::nn::Linear& qkv;
  const torch::nn::Linear& proj;
  torch::Tensor bias;  // (heads, N, N)
  int64_t heads;
  double scale;
  LoRAQkv lora;  // may be empty
  double lora_scale;
};

// Adds LoRA's q and v deltas of the normalised rows `x` to the qkv rows `t` (per head [q|k|v],
// §12.7), as TinyViTAttentionImpl::forward does.
void addLoRA(torch::Tensor& t, const torch::Tensor& x, const WindowAttentionParts& p) {
  if (p.lora.is_empty()) return;
  LoRAQkv lora = p.lora;
  torch::Tensor dq = lora->linear_b_q(lora->linear_a_q(x));
  torch::Tensor dv = lora->linear_b_v(lora->linear_a_v(x));
  if (p.lora_scale != 1.0) {
    dq = dq * p.lora_scale;
    dv = dv * p.lora_scale;
  }
  const int64_t rows = t.size(0), d = t.size(1) / 3 / p.heads;
  t = t.contiguous();
  const torch::Tensor heads = t.view({rows, p.heads, 3, d});
  heads.select(2, 0).add_(dq.view({rows, p.heads, d}));
  heads.select(2, 2).add_(dv.view({rows, p.heads, d}));
}

// TinyViT's window attention on the tokens of B images of H x W (rows (B*H*W, C) in image
// order), without moving them into windows: LayerNorm and qkv run on the image rows; each
// (window, head) kernel call reads its tokens' q/k/v rows through pointers and writes its output
// rows in place, and tokens of the bottom/right zero padding all point to one row, qkv(LN(0)) =
// qkv(LN bias), which is what MobileSAM's padded tokens become (they are padded before the
// LayerNorm). Returns proj(attention) as (B*H*W, C) rows in image order.
torch::Tensor windowAttentionRows(const torch::Tensor& rows, int64_t B, int64_t H, int64_t W,
                                  int64_t ws, const WindowAttentionParts& p) {
  const int64_t C = rows.size(1), heads = p.heads, d = C / heads, N = ws * ws;
  const int64_t nh = (H + ws - 1) / ws, nw = (W + ws - 1) / ws;
  const torch::Tensor x =
      at::layer_norm(rows, {C}, p.norm->weight, p.norm->bias, p.norm->options.eps());
  torch::Tensor t = linearRows(x, p.qkv);
  addLoRA(t, x, p);
  t = t.contiguous();
  torch::Tensor pad;
  if (nh * ws != H || nw * ws != W) {
    const torch::Tensor zero = torch::zeros({1, C}, rows.options());
    const torch::Tensor pad_x =
        at::layer_norm(zero, {C}, p.norm->weight, p.norm->bias, p.norm->options.eps());
    pad = at::linear(pad_x, p.qkv->weight, p.qkv->bias);  // one row: no oneDNN set-up
    addLoRA(pad, pad_x, p);
    pad = pad.contiguous();
  }
  const int64_t np = detail::windowAttentionStride(N);
  const torch::Tensor bias =
      at::constant_pad_nd(p.bias, {0, np - N}, -std::numeric_limits<double>::infinity())
          .contiguous();
  const torch::Tensor out = torch::empty({B * H * W, C}, rows.options());
  const float* pt = t.data_ptr<float>();
  const float* pp = pad.defined() ? pad.data_ptr<float>() : nullptr;
  const float* pb = bias.data_ptr<float>();
  float* po = out.data_ptr<float>();
  const auto scale = static_cast<float>(p.scale);
  parallelRange(B * nh * nw * heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(detail::windowAttentionScratchFloats(N, d));
    std::vector<const float*> in_rows(static_cast<size_t>(N));
    std::vector<float*> out_rows(static_cast<size_t>(N));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t h = task % heads, win = task / heads;
      const int64_t b = win / (nh * nw), wy = win / nw % nh, wx = win % nw;
      for (int64_t ty = 0; ty < ws; ++ty)
        for (int64_t tx = 0; tx < ws; ++tx) {
          const int64_t y = wy * ws + ty, xx = wx * ws + tx;
          const auto i = static_cast<size_t>(ty * ws + tx);
          if (y < H && xx < W) {
            const int64_t row = (b * H + y) * W + xx;
            in_rows[i] = pt + row * 3 * C + h * 3 * d;
            out_rows[i] = po + row * C + h * d;
          } else {
            in_rows[i] = pp + h * 3 * d;
            out_rows[i] = nullptr;
          }
        }
      detail::windowAttentionKernel(in_rows.data(), out_rows.data(), pb + h * N * np, scale, N, d,
                                    scratch.data());
    }
  });
  return linearRows(out, p.proj);
}

}  // namespace

// ---- Options
// -------------------------------------------------------------------------------------

void TinyViTOptions::validate() const {
  const char* subject = "tiny_vit options";
  if (embed_dims_.size() != 4 || depths_.size() != 4 || num_heads_.size() != 4 ||
      window_sizes_.size() != 4)
    throw Error(subject, "embed_dims, depths, num_heads and window_sizes need 4 entries each");
  if (in_chans_ <= 0 || out_chans_ <= 0 || local_conv_size_ <= 0 || local_conv_size_ % 2 == 0)
    throw Error(subject, "in_chans and out_chans must be positive, local_conv_size positive odd");
  if (img_size_ <= 0 || img_size_ % 64 != 0)
    throw Error(subject,
                "img_size must be a positive multiple of 64, got " + std::to_string(img_size_));
  if (mlp_ratio_ <= 0 || mbconv_expand_ratio_ <= 0)
    throw Error(subject, "mlp_ratio and mbconv_expand_ratio must be positive");
  for (size_t i = 0; i < 4; ++i) {
    if (embed_dims_[i] <= 0 || depths_[i] <= 0)
      throw Error(subject,
                  "embed_dims and depths must be positive (stage " + std::to_string(i) + ")");
    if (i == 0) continue;
    if (num_heads_[i] <= 0 || embed_dims_[i] % num_heads_[i] != 0)
      throw Error(subject, "num_heads[" + std::to_string(i) + "] must divide embed_dims[" +
                               std::to_string(i) + "]");
    if (window_sizes_[i] <= 0)
      throw Error(subject, "window_sizes[" + std::to_string(i) + "] must be positive");
  }
}

std::vector<std::array<int64_t, 2>> TinyViTOptions::stageResolutions() const {
  std::vector<std::array<int64_t, 2>> out;
  std::array<int64_t, 2> hw{img_size_ / 4, img_size_ / 4};
  out.push_back(hw);
  for (size_t i = 0; i < 3; ++i) {
    // 3x3 conv, padding 1: H' = (H - 1) / s + 1.
    const int64_t s = tinyViTMergeStride(embed_dims_[i + 1]);
    hw = {(hw[0] - 1) / s + 1, (hw[1] - 1) / s + 1};
    out.push_back(hw);
  }
  out.push_back(hw);  // the last stage has no downsample
  return out;
}

int64_t tinyViTMergeStride(int64_t out_dim) {
  return (out_dim == 320 || out_dim == 448 || out_dim == 576) ? 1 : 2;
}

torch::Tensor tinyViTAttentionBiasIndex(int64_t w) {
  if (w <= 0) throw Error("tiny_vit window", "the window size must be positive");
  const int64_t n = w * w;
  std::vector<int64_t> index(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      index[static_cast<size_t>(i * n + j)] = std::abs(i / w - j / w) * w + std::abs(i % w - j % w);
  return torch::tensor(index, torch::kLong).view({n, n});
}

// ---- Stem, MBConv, PatchMerging
// ------------------------------------------------------------------

TinyViTPatchEmbedImpl::TinyViTPatchEmbedImpl(int64_t in_chans, int64_t embed_dim) {
  seq->push_back(fusedConv(in_chans, embed_dim / 2, 3, 2));
  seq->push_back(torch::nn::GELU());
  seq->push_back(fusedConv(embed_dim / 2, embed_dim, 3, 2));
  seq = register_module("seq", seq);
}

torch::Tensor TinyViTPatchEmbedImpl::forward(const torch::Tensor& x) {
  if (fastCpuPath(x) && seq->size() == 3) {
    auto* conv1 = seq[0]->as<torch::nn::Conv2dImpl>();
    auto* conv2 = seq[2]->as<torch::nn::Conv2dImpl>();
    if (conv1 && conv2) return conv2->forward(geluInference(conv1->forward(x)));
  }
  return seq->forward(x);
}

MBConvImpl::MBConvImpl(int64_t channels, double expand_ratio) {
  const auto hidden = static_cast<int64_t>(static_cast<double>(channels) * expand_ratio);
  conv1 = register_module("conv1", fusedConv(channels, hidden, 1));
  conv2 = register_module("conv2", fusedConv(hidden, hidden, 3, 1, hidden));
  conv3 = register_module("conv3", fusedConv(hidden, channels, 1));
}

torch::Tensor MBConvImpl::forward(const torch::Tensor& x) {
  if (fastCpuPath(x)) {
    torch::Tensor y = geluInference(conv1(x));
    y = depthwiseInference(conv2, y, /*gelu=*/true);
    return addGeluInference(conv3(y), x);
  }
  torch::Tensor y = geluErf(conv1(x));
  y = geluErf(conv2(y));
  y = conv3(y);
  return geluErf(x + y);  // the activation follows the residual add
}

PatchMergingImpl::PatchMergingImpl(int64_t dim, int64_t out_dim)
    : stride_(tinyViTMergeStride(out_dim)) {
  conv1 = register_module("conv1", fusedConv(dim, out_dim, 1));
  conv2 = register_module("conv2", fusedConv(out_dim, out_dim, 3, stride_, out_dim));
  conv3 = register_module("conv3", fusedConv(out_dim, out_dim, 1));
}

std::pair<torch::Tensor, std::array<int64_t, 2>> PatchMergingImpl::forward(
    const torch::Tensor& x, std::array<int64_t, 2> hw) {
  torch::Tensor y = x;
  if (x.dim() == 3) y = x.reshape({x.size(0), hw[0], hw[1], -1}).permute({0, 3, 1, 2});
  if (fastCpuPath(y)) {
    y = geluInference(conv1(y));
    y = depthwiseInference(conv2, y, /*gelu=*/true);
  } else {
    y = geluErf(conv1(y));
    y = geluErf(conv2(y));
  }
  y = conv3(y);
  const std::array<int64_t, 2> out_hw{y.size(2), y.size(3)};
  return {y.flatten(2).transpose(1, 2), out_hw};
}

// ---- Attention
// -----------------------------------------------------------------------------------

TinyViTAttentionImpl::TinyViTAttentionImpl(int64_t dim, int64_t num_heads, int64_t window_size)
    : num_heads_(num_heads), window_size_(window_size), key_dim_(dim / num_heads) {
  scale_ = std::pow(static_cast<double>(key_dim_), -0.5);
  // MobileSAM's attention: the bias table is the module's own parameter (state_dict() lists it
  // before the children).
  attention_biases =
      register_parameter("attention_biases", torch::zeros({num_heads, window_size * window_size}));
  norm =
      register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  // MobileSAM: h = dh + 2 * key_dim * num_heads with d = key_dim (attn_ratio 1) = 3 * dim.
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  bias_index_ = tinyViTAttentionBiasIndex(window_size);
}

torch::Tensor TinyViTAttentionImpl::attentionBias() {
  if (bias_index_.device() != attention_biases.device())
    bias_index_ = bias_index_.to(attention_biases.device());
  const int64_t n = window_size_ * window_size_;
  return attention_biases.index_select(1, bias_index_.flatten()).view({num_heads_, n, n});
}

LoRAQkv TinyViTAttentionImpl::enableLoRA(int64_t rank, double scale) {
  if (!lora.is_empty()) throw Error("LoRA", "this attention block already has adapters");
  const int64_t dim = qkv->options.in_features();
  lora = register_module("lora", LoRAQkv(dim, rank, scale));
  lora->to(attention_biases.device());
  lora_scale_ = scale;
  return lora;
}

torch::Tensor TinyViTAttentionImpl::forward(const torch::Tensor& input) {
  const int64_t B = input.size(0), N = input.size(1);
  if (fastCpuPath(input) && key_dim_ % 8 == 0) {
    // Each of the B inputs is one window of N = w*w tokens.
    const WindowAttentionParts parts{norm,       qkv,    proj, attentionBias(),
                                     num_heads_, scale_, lora, lora_scale_};
    const int64_t C = input.size(2);
    return windowAttentionRows(input.reshape({B * N, C}), B, window_size_, window_size_,
                               window_size_, parts)
        .view({B, N, C});
  }
  const torch::Tensor x = norm(input);
  torch::Tensor t = qkv(x).reshape({B, N, num_heads_, 3 * key_dim_});
  if (!lora.is_empty()) {
    // §12.7: the adapters' C outputs are (head, key_dim); head i's q is at [0, d) and its v at
    // [2d, 3d) of its 3d-wide slice. SAMed's [q | k | v] offsets would hit the wrong channels.
    torch::Tensor dq = lora->linear_b_q(lora->linear_a_q(x));
    torch::Tensor dv = lora->linear_b_v(lora->linear_a_v(x));
    if (lora_scale_ != 1.0) {
      dq = dq * lora_scale_;
      dv = dv * lora_scale_;
    }
    const torch::Tensor q = t.narrow(3, 0, key_dim_) + dq.view({B, N, num_heads_, key_dim_});
    const torch::Tensor v =
        t.narrow(3, 2 * key_dim_, key_dim_) + dv.view({B, N, num_heads_, key_dim_});
    t = torch::cat({q, t.narrow(3, key_dim_, key_dim_), v}, 3);
  }
  const auto parts = t.split(key_dim_, 3);  // q, k, v: (B, N, heads, d)
  const torch::Tensor q = parts[0].permute({0, 2, 1, 3});
  const torch::Tensor k = parts[1].permute({0, 2, 1, 3});
  const torch::Tensor v = parts[2].permute({0, 2, 1, 3});
  // MobileSAM scales after the product: (q k^T) * scale + bias.
  torch::Tensor attn = torch::matmul(q, k.transpose(-2, -1)) * scale_ + attentionBias();
  attn = attn.softmax(-1);
  const torch::Tensor out = torch::matmul(attn, v).transpose(1, 2).reshape({B, N, -1});
  return proj(out);
}

// ---- MLP and block
// -------------------------------------------------------------------------------

TinyViTMlpImpl::TinyViTMlpImpl(int64_t dim, int64_t hidden) {
  norm =
      register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor TinyViTMlpImpl::forward(const torch::Tensor& x) {
  if (fastCpuPath(x)) {
    const int64_t C = x.size(-1);
    const torch::Tensor rows =
        at::layer_norm(x.reshape({-1, C}), {C}, norm->weight, norm->bias, norm->options.eps());
    return linearRows(geluInference(linearRows(rows, fc1)), fc2).view(x.sizes());
  }
  return fc2(geluErf(fc1(norm(x))));
}

TinyViTBlockImpl::TinyViTBlockImpl(int64_t dim, int64_t num_heads, int64_t window_size,
                                   double mlp_ratio, int64_t local_conv_size)
    : window_size_(window_size) {
  attn = register_module("attn", TinyViTAttention(dim, num_heads, window_size));
  mlp = register_module(
      "mlp", TinyViTMlp(dim, static_cast<int64_t>(static_cast<double>(dim) * mlp_ratio)));
  local_conv = register_module("local_conv", fusedConv(dim, dim, local_conv_size, 1, dim));
}

torch::Tensor TinyViTBlockImpl::forward(const torch::Tensor& x, std::array<int64_t, 2> hw) {
  const int64_t B = x.size(0), L = x.size(1), C = x.size(2);
  const int64_t H = hw[0], W = hw[1], ws = window_size_;
  if (L != H * W)
    throw Error("tiny_vit block",
                "expected " + std::to_string(H * W) + " tokens, got " + std::to_string(L));
  if (fastCpuPath(x) && C % attn->numHeads() == 0 && (C / attn->numHeads()) % 8 == 0) {
    // Rows in image order throughout: no window partition, no padding copies (see
    // windowAttentionRows), bias and residual adds fused or in place, local_conv on a
    // channels-last view of the rows.
    const torch::Tensor rows = x.reshape({B * L, C});
    const int64_t d = C / attn->numHeads();
    const WindowAttentionParts parts{attn->norm,       attn->qkv,
                                     attn->proj,       attn->attentionBias(),
                                     attn->numHeads(), std::pow(static_cast<double>(d), -0.5),
                                     attn->lora,       attn->loraScale()};
    torch::Tensor h = windowAttentionRows(rows, B, H, W, ws, parts).add_(rows);
    h = depthwiseInference(local_conv, h.view({B, H, W, C}).permute({0, 3, 1, 2}), false)
            .permute({0, 2, 3, 1})
            .reshape({B * L, C});
    return mlp(h).add_(h).view({B, L, C});
  }
  torch::Tensor y;
  if (H == ws && W == ws) {
    y = attn(x);
  } else {
    // Padding happens before the attention's LayerNorm, so padded tokens enter the attention
    // as the LN bias and act as unmasked keys and values (§12.2), unlike SAM's ViT.
    auto [windows, padded] = windowPartition(x.reshape({B, H, W, C}), ws);
    y = attn(windows.view({-1, ws * ws, C})).view({-1, ws, ws, C});
    y = windowUnpartition(y, ws, padded, {H, W}).reshape({B, L, C});
  }
  torch::Tensor h = x + y;
  h = local_conv(h.transpose(1, 2).reshape({B, C, H, W})).view({B, C, L}).transpose(1, 2);
  return h + mlp(h);
}

// ---- Stages and encoder
// --------------------------------------------------------------------------

TinyViTLayerImpl::TinyViTLayerImpl(const TinyViTOptions& o, int64_t stage) : stage_(stage) {
  const auto s = static_cast<size_t>(stage);
  const int64_t dim = o.embed_dims()[s];
  for (int64_t i = 0; i < o.depths()[s]; ++i) {
    if (stage == 0)
      blocks->push_back(MBConv(dim, o.mbconv_expand_ratio()));
    else
      blocks->push_back(TinyViTBlock(dim, o.num_heads()[s], o.window_sizes()[s], o.mlp_ratio(),
                                     o.local_conv_size()));
  }
  register_module("blocks", blocks);
  if (stage < 3)
    downsample = register_module("downsample", PatchMerging(dim, o.embed_dims()[s + 1]));
}

std::pair<torch::Tensor, std::array<int64_t, 2>> TinyViTLayerImpl::forward(
    const torch::Tensor& input, std::array<int64_t, 2> hw) {
  torch::Tensor x = input;
  for (size_t i = 0; i < blocks->size(); ++i) {
    if (stage_ == 0)
      x = blocks[i]->as<MBConvImpl>()->forward(x);
    else
      x = blocks[i]->as<TinyViTBlockImpl>()->forward(x, hw);
  }
  if (!downsample.is_empty()) return downsample->forward(x, hw);
  if (x.dim() == 4) x = x.flatten(2).transpose(1, 2);
  return {x, hw};
}

TinyViTBlock TinyViTLayerImpl::block(int64_t i) const {
  if (stage_ == 0) throw Error(stageName(stage_), "stage 0 has MBConv blocks, not attention");
  return TinyViTBlock(blocks->ptr<TinyViTBlockImpl>(static_cast<size_t>(i)));
}

TinyViTImpl::TinyViTImpl(const TinyViTOptions& options) : options_(options) {
  options_.validate();
  const auto& dims = options_.embed_dims();
  patch_embed = register_module("patch_embed", TinyViTPatchEmbed(options_.in_chans(), dims[0]));
  for (int64_t stage = 0; stage < 4; ++stage) layers->push_back(TinyViTLayer(options_, stage));
  register_module("layers", layers);
  const int64_t out = options_.out_chans();
  neck->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(dims[3], out, 1).bias(false)));
  neck->push_back(LayerNorm2d(out, kNeckLayerNormEps));
  neck->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  neck->push_back(LayerNorm2d(out, kNeckLayerNormEps));
  register_module("neck", neck);
  grid_ = options_.stageResolutions().back();
}

TinyViTLayer TinyViTImpl::layer(int64_t i) const {
  return TinyViTLayer(layers->ptr<TinyViTLayerImpl>(static_cast<size_t>(i)));
}

std::vector<TinyViTBlock> TinyViTImpl::attentionBlocks() const {
  std::vector<TinyViTBlock> out;
  for (int64_t stage = 1; stage < 4; ++stage)
    for (int64_t i = 0; i < options_.depths()[static_cast<size_t>(stage)]; ++i)
      out.push_back(layer(stage)->block(i));
  return out;
}

torch::Tensor TinyViTImpl::forward(const torch::Tensor& images) {
  const int64_t S = options_.img_size();
  if (images.dim() != 4 || images.size(1) != options_.in_chans() || images.size(2) != S ||
      images.size(3) != S)
    throw Error("tiny_vit image encoder", "expected [B, " + std::to_string(options_.in_chans()) +
                                              ", " + std::to_string(S) + ", " + std::to_string(S) +
                                              "], got " + c10::str(images.sizes()));
  const auto resolutions = options_.stageResolutions();
  // Channels-last from the start: LibTorch 1.13's CPU depthwise 3x3 conv (MBConv, PatchMerging)
  // is ~3.5x faster in that layout (1.35 s -> 0.38 s for 256 x 256^2, 1 thread), and the token
  // views below become plain reinterpretations. Values are the same up to float rounding.
  torch::Tensor x = patch_embed(images.contiguous(torch::MemoryFormat::ChannelsLast));
  std::array<int64_t, 2> hw = resolutions[0];
  for (size_t i = 0; i < layers->size(); ++i)
    std::tie(x, hw) = layers[i]->as<TinyViTLayerImpl>()->forward(x, hw);
  const int64_t B = x.size(0), C = x.size(2);
  if (fastCpuPath(x) && neck->size() == 4) {
    // LayerNorm2d over the channels of a channels-last image is LayerNorm over its rows.
    auto* conv1 = neck[0]->as<torch::nn::Conv2dImpl>();
    auto* norm1 = neck[1]->as<LayerNorm2dImpl>();
    auto* conv2 = neck[2]->as<torch::nn::Conv2dImpl>();
    auto* norm2 = neck[3]->as<LayerNorm2dImpl>();
    const auto norm = [](const torch::Tensor& y, const LayerNorm2dImpl& ln) {
      if (!y.is_contiguous(torch::MemoryFormat::ChannelsLast))
        return const_cast<LayerNorm2dImpl&>(ln).forward(y);
      const int64_t n = y.size(0), c = y.size(1), h = y.size(2), w = y.size(3);
      return at::layer_norm(y.permute({0, 2, 3, 1}).reshape({-1, c}), {c}, ln.weight, ln.bias,
                            kNeckLayerNormEps)
          .view({n, h, w, c})
          .permute({0, 3, 1, 2});
    };
    if (conv1 && norm1 && conv2 && norm2) {
      torch::Tensor y = conv1->forward(x.reshape({B, hw[0], hw[1], C}).permute({0, 3, 1, 2}));
      y = conv2->forward(norm(y, *norm1));
      return norm(y, *norm2).contiguous();
    }
  }
  // Callers may .view() the embedding: hand it back in the default layout.
  return neck->forward(x.reshape({B, hw[0], hw[1], C}).permute({0, 3, 1, 2})).contiguous();
}

}  // namespace sfr::engine
