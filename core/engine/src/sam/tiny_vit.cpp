#include "sfr/engine/sam/tiny_vit.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

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

std::string stageName(int64_t stage) {
  return "tiny_vit stage " + std::to_string(stage);
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
  return seq->forward(x);
}

MBConvImpl::MBConvImpl(int64_t channels, double expand_ratio) {
  const auto hidden = static_cast<int64_t>(static_cast<double>(channels) * expand_ratio);
  conv1 = register_module("conv1", fusedConv(channels, hidden, 1));
  conv2 = register_module("conv2", fusedConv(hidden, hidden, 3, 1, hidden));
  conv3 = register_module("conv3", fusedConv(hidden, channels, 1));
}

torch::Tensor MBConvImpl::forward(const torch::Tensor& x) {
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
  y = geluErf(conv1(y));
  y = geluErf(conv2(y));
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
  neck->push_back(LayerNorm2d(out));
  neck->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  neck->push_back(LayerNorm2d(out));
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
  // Callers may .view() the embedding: hand it back in the default layout.
  return neck->forward(x.reshape({B, hw[0], hw[1], C}).permute({0, 3, 1, 2})).contiguous();
}

}  // namespace sfr::engine
