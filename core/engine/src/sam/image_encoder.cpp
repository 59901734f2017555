#include "sfr/engine/sam/image_encoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

namespace F = torch::nn::functional;

}  // namespace

// ---- LoRA
// ----------------------------------------------------------------------------------------

LoRAQkvImpl::LoRAQkvImpl(int64_t dim, int64_t rank, double scale) : dim_(dim), scale_(scale) {
  auto linear = [](int64_t in, int64_t out) {
    return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
  };
  // Registration order = SAMed's attribute order.
  linear_a_q = register_module("linear_a_q", linear(dim, rank));
  linear_b_q = register_module("linear_b_q", linear(rank, dim));
  linear_a_v = register_module("linear_a_v", linear(dim, rank));
  linear_b_v = register_module("linear_b_v", linear(rank, dim));
  resetParameters();
}

void LoRAQkvImpl::resetParameters() {
  torch::NoGradGuard noGrad;
  for (auto* a : {&linear_a_q, &linear_a_v})
    torch::nn::init::kaiming_uniform_((*a)->weight, std::sqrt(5.0));
  for (auto* b : {&linear_b_q, &linear_b_v}) torch::nn::init::zeros_((*b)->weight);
}

torch::Tensor LoRAQkvImpl::addTo(torch::Tensor qkv, const torch::Tensor& x) {
  torch::Tensor q = linear_b_q(linear_a_q(x));
  torch::Tensor v = linear_b_v(linear_a_v(x));
  if (scale_ != 1.0) {
    q = q * scale_;
    v = v * scale_;
  }
  qkv.narrow(-1, 0, dim_).add_(q);
  qkv.narrow(-1, qkv.size(-1) - dim_, dim_).add_(v);
  return qkv;
}

// ---- Attention
// -----------------------------------------------------------------------------------

ViTAttentionImpl::ViTAttentionImpl(int64_t dim, int64_t num_heads, bool qkv_bias, bool use_rel_pos,
                                   std::array<int64_t, 2> input_size)
    : num_heads_(num_heads) {
  const int64_t head_dim = dim / num_heads;
  scale_ = std::pow(static_cast<double>(head_dim), -0.5);
  // PyTorch registers the rel_pos parameters on the Attention itself, so they precede the
  // qkv/proj children in state_dict() order; same here.
  if (use_rel_pos) {
    rel_pos_h = register_parameter("rel_pos_h", torch::zeros({2 * input_size[0] - 1, head_dim}));
    rel_pos_w = register_parameter("rel_pos_w", torch::zeros({2 * input_size[1] - 1, head_dim}));
  }
  qkv = register_module("qkv",
                        torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(qkv_bias)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

LoRAQkv ViTAttentionImpl::enableLoRA(int64_t rank, double scale) {
  if (!lora.is_empty()) throw Error("LoRA", "this attention block already has adapters");
  lora = register_module("lora", LoRAQkv(qkv->options.in_features(), rank, scale));
  return lora;
}

torch::Tensor ViTAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2);
  torch::Tensor t = qkv(x);
  if (!lora.is_empty()) t = lora->addTo(t, x);
  // [3, B, heads, H*W, head_dim]
  t = t.reshape({B, H * W, 3, num_heads_, -1}).permute({2, 0, 3, 1, 4});
  const auto parts = t.reshape({3, B * num_heads_, H * W, -1}).unbind(0);
  const torch::Tensor& q = parts[0];
  const torch::Tensor& k = parts[1];
  const torch::Tensor& v = parts[2];

  torch::Tensor attn = torch::matmul(q * scale_, k.transpose(-2, -1));
  if (rel_pos_h.defined())
    attn = addDecomposedRelPos(attn, q, rel_pos_h, rel_pos_w, {H, W}, {H, W});
  attn = attn.softmax(-1);
  torch::Tensor out = torch::matmul(attn, v)
                          .view({B, num_heads_, H, W, -1})
                          .permute({0, 2, 3, 1, 4})
                          .reshape({B, H, W, -1});
  return proj(out);
}

// ---- Block
// ---------------------------------------------------------------------------------------

ViTBlockImpl::ViTBlockImpl(const ImageEncoderViTOptions& o, int64_t window_size)
    : window_size_(window_size) {
  const int64_t dim = o.embed_dim();
  auto layerNorm = [&] {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(o.layernorm_eps()));
  };
  const int64_t grid = o.gridSize();
  const std::array<int64_t, 2> input_size = window_size == 0
                                                ? std::array<int64_t, 2>{grid, grid}
                                                : std::array<int64_t, 2>{window_size, window_size};
  norm1 = register_module("norm1", layerNorm());
  attn = register_module(
      "attn", ViTAttention(dim, o.num_heads(), o.qkv_bias(), o.use_rel_pos(), input_size));
  norm2 = register_module("norm2", layerNorm());
  mlp = register_module("mlp",
                        MLPBlock(dim, static_cast<int64_t>(dim * o.mlp_ratio()), Activation::GELU));
}

torch::Tensor ViTBlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor& shortcut = x;
  torch::Tensor h = norm1(x);
  if (window_size_ > 0) {
    const int64_t H = h.size(1), W = h.size(2);
    auto [windows, padded] = windowPartition(h, window_size_);
    h = windowUnpartition(attn(windows), window_size_, padded, {H, W});
  } else {
    h = attn(h);
  }
  h = shortcut + h;
  return h + mlp(norm2(h));
}

// ---- Patch embedding and encoder
// -----------------------------------------------------------------

PatchEmbedImpl::PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim) {
  proj = register_module(
      "proj", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(in_chans, embed_dim, patch_size).stride(patch_size)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) {
  return proj(x).permute({0, 2, 3, 1});
}

ImageEncoderViTImpl::ImageEncoderViTImpl(const ImageEncoderViTOptions& options)
    : options_(options) {
  options_.validate();
  const int64_t E = options_.embed_dim(), grid = options_.gridSize();
  const int64_t out = options_.out_chans();
  if (options_.use_abs_pos())
    pos_embed = register_parameter("pos_embed", torch::zeros({1, grid, grid, E}));
  patch_embed =
      register_module("patch_embed", PatchEmbed(options_.patch_size(), options_.in_chans(), E));
  for (int64_t i = 0; i < options_.depth(); ++i)
    blocks->push_back(ViTBlock(options_, options_.isGlobal(i) ? 0 : options_.window_size()));
  register_module("blocks", blocks);
  neck->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(E, out, 1).bias(false)));
  neck->push_back(LayerNorm2d(out));
  neck->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
  neck->push_back(LayerNorm2d(out));
  register_module("neck", neck);
}

ViTBlock ImageEncoderViTImpl::block(int64_t i) const {
  return ViTBlock(blocks->ptr<ViTBlockImpl>(static_cast<size_t>(i)));
}

torch::Tensor ImageEncoderViTImpl::forward(const torch::Tensor& images) {
  const int64_t S = options_.img_size();
  if (images.dim() != 4 || images.size(1) != options_.in_chans() || images.size(2) != S ||
      images.size(3) != S)
    throw Error("SAM image encoder", "expected [B, " + std::to_string(options_.in_chans()) + ", " +
                                         std::to_string(S) + ", " + std::to_string(S) + "], got " +
                                         c10::str(images.sizes()));
  torch::Tensor x = patch_embed(images);
  if (pos_embed.defined()) x = x + pos_embed;
  for (size_t i = 0; i < blocks->size(); ++i) x = blocks[i]->as<ViTBlockImpl>()->forward(x);
  return neck->forward(x.permute({0, 3, 1, 2}));
}

// ---- Window partition and relative positions
// -----------------------------------------------------

std::pair<torch::Tensor, std::array<int64_t, 2>> windowPartition(const torch::Tensor& x,
                                                                 int64_t ws) {
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  const int64_t pad_h = (ws - H % ws) % ws;
  const int64_t pad_w = (ws - W % ws) % ws;
  torch::Tensor p = x;
  if (pad_h > 0 || pad_w > 0) p = F::pad(x, F::PadFuncOptions({0, 0, 0, pad_w, 0, pad_h}));
  const int64_t Hp = H + pad_h, Wp = W + pad_w;
  torch::Tensor windows = p.view({B, Hp / ws, ws, Wp / ws, ws, C})
                              .permute({0, 1, 3, 2, 4, 5})
                              .contiguous()
                              .view({-1, ws, ws, C});
  return {windows, {Hp, Wp}};
}

torch::Tensor windowUnpartition(const torch::Tensor& windows, int64_t ws,
                                std::array<int64_t, 2> padded_hw, std::array<int64_t, 2> hw) {
  const int64_t Hp = padded_hw[0], Wp = padded_hw[1], H = hw[0], W = hw[1];
  const int64_t B = windows.size(0) / (Hp * Wp / ws / ws);
  torch::Tensor x = windows.view({B, Hp / ws, Wp / ws, ws, ws, -1})
                        .permute({0, 1, 3, 2, 4, 5})
                        .contiguous()
                        .view({B, Hp, Wp, -1});
  if (Hp > H || Wp > W) x = x.slice(1, 0, H).slice(2, 0, W).contiguous();
  return x;
}

torch::Tensor getRelPos(int64_t q_size, int64_t k_size, const torch::Tensor& rel_pos) {
  const int64_t max_rel_dist = 2 * std::max(q_size, k_size) - 1;
  torch::Tensor table = rel_pos;
  if (rel_pos.size(0) != max_rel_dist) {
    table = F::interpolate(rel_pos.reshape({1, rel_pos.size(0), -1}).permute({0, 2, 1}),
                           F::InterpolateFuncOptions()
                               .size(std::vector<int64_t>{max_rel_dist})
                               .mode(torch::kLinear)
                               .align_corners(false));
    table = table.reshape({-1, max_rel_dist}).permute({1, 0});
  }
  // Same float arithmetic as the Python code (int64 arange times a Python float).
  const double q_scale = std::max(static_cast<double>(k_size) / q_size, 1.0);
  const double k_scale = std::max(static_cast<double>(q_size) / k_size, 1.0);
  const auto longs = torch::TensorOptions().dtype(torch::kLong).device(rel_pos.device());
  const torch::Tensor q_coords = torch::arange(q_size, longs).unsqueeze(1) * q_scale;
  const torch::Tensor k_coords = torch::arange(k_size, longs).unsqueeze(0) * k_scale;
  const torch::Tensor relative = (q_coords - k_coords) + (k_size - 1) * k_scale;
  return table.index({relative.to(torch::kLong)});
}

torch::Tensor addDecomposedRelPos(const torch::Tensor& attn, const torch::Tensor& q,
                                  const torch::Tensor& rel_pos_h, const torch::Tensor& rel_pos_w,
                                  std::array<int64_t, 2> q_size, std::array<int64_t, 2> k_size) {
  const int64_t qh = q_size[0], qw = q_size[1], kh = k_size[0], kw = k_size[1];
  const torch::Tensor Rh = getRelPos(qh, kh, rel_pos_h);
  const torch::Tensor Rw = getRelPos(qw, kw, rel_pos_w);
  const int64_t B = q.size(0), dim = q.size(2);
  const torch::Tensor r_q = q.reshape({B, qh, qw, dim});
  const torch::Tensor rel_h = torch::einsum("bhwc,hkc->bhwk", {r_q, Rh});
  const torch::Tensor rel_w = torch::einsum("bhwc,wkc->bhwk", {r_q, Rw});
  return (attn.view({B, qh, qw, kh, kw}) + rel_h.unsqueeze(-1) + rel_w.unsqueeze(-2))
      .view({B, qh * qw, kh * kw});
}

}  // namespace sfr::engine
