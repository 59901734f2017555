#pragma once
// SAM image encoders (spec §3.1). `ImageEncoder` is the interface the rest of SAM uses, so another
// backbone (TinyViT, §12.2) can stand in for the ViT. `ImageEncoderViT` is segment-anything's
// ViTDet backbone; module and parameter names equal the PyTorch ones, so
// `image_encoder.blocks.3.attn.rel_pos_h` of an official checkpoint maps 1:1.
//
// Token tensors inside the ViT are channels-last [B, H, W, E], as in the Python code.
#include <array>
#include <memory>
#include <utility>

#include <torch/torch.h>

#include "sfr/engine/sam/layers.h"
#include "sfr/engine/sam/sam_options.h"

namespace sfr::engine {

/// What SAM needs from a backbone: preprocessed images [B, 3, S, S] -> embeddings
/// [B, embeddingDim, grid_h, grid_w].
class ImageEncoder : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;
  /// Channels of the output embedding (the prompt embed dim, 256 for the official models).
  virtual int64_t embeddingDim() const = 0;
  /// Side S of the square input the encoder expects.
  virtual int64_t imageSize() const = 0;
  /// (H, W) of the embedding.
  virtual std::array<int64_t, 2> patchGrid() const = 0;
};

/// LoRA adapters of one fused qkv projection (SAMed `_LoRA_qkv`, spec §3.6): A (E -> r, no bias)
/// and B (r -> E, no bias) for q and for v. A is kaiming-uniform (a = sqrt 5), B zero.
class LoRAQkvImpl : public torch::nn::Module {
 public:
  LoRAQkvImpl(int64_t dim, int64_t rank, double scale);
  /// Adds scale * B(A(x)) to the q part [0, E) and the v part [2E, 3E) of `qkv` (in place, as
  /// SAMed does) and returns it.
  torch::Tensor addTo(torch::Tensor qkv, const torch::Tensor& x);
  void resetParameters();

  torch::nn::Linear linear_a_q{nullptr};
  torch::nn::Linear linear_b_q{nullptr};
  torch::nn::Linear linear_a_v{nullptr};
  torch::nn::Linear linear_b_v{nullptr};

 private:
  int64_t dim_;
  double scale_;
};
TORCH_MODULE(LoRAQkv);

/// Multi-head attention with decomposed relative position bias (image_encoder.py `Attention`).
class ViTAttentionImpl : public torch::nn::Module {
 public:
  /// `input_size` = the token grid the attention sees (window size or full grid); it sets the
  /// rel_pos table lengths 2*size-1.
  ViTAttentionImpl(int64_t dim, int64_t num_heads, bool qkv_bias, bool use_rel_pos,
                   std::array<int64_t, 2> input_size);
  /// x: [B, H, W, dim] -> [B, H, W, dim].
  torch::Tensor forward(const torch::Tensor& x);

  /// Registers LoRA adapters (submodule `lora`); throws sfr::Error when already present.
  LoRAQkv enableLoRA(int64_t rank, double scale);

  torch::Tensor rel_pos_h;  ///< [2*H-1, head_dim] (undefined without use_rel_pos)
  torch::Tensor rel_pos_w;  ///< [2*W-1, head_dim]
  torch::nn::Linear qkv{nullptr};
  torch::nn::Linear proj{nullptr};
  LoRAQkv lora{nullptr};

 private:
  int64_t num_heads_;
  double scale_;
};
TORCH_MODULE(ViTAttention);

/// Pre-norm transformer block with windowed (window_size > 0) or global attention.
class ViTBlockImpl : public torch::nn::Module {
 public:
  ViTBlockImpl(const ImageEncoderViTOptions& options, int64_t window_size);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t windowSize() const { return window_size_; }

  torch::nn::LayerNorm norm1{nullptr};
  ViTAttention attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};
  MLPBlock mlp{nullptr};

 private:
  int64_t window_size_;
};
TORCH_MODULE(ViTBlock);

/// Conv2d(in, E, k = s = patch) followed by NCHW -> NHWC.
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

class ImageEncoderViTImpl : public ImageEncoder {
 public:
  /// Builds with PyTorch's default initialisation (pos_embed and rel_pos zero); throws
  /// sfr::Error for invalid options.
  explicit ImageEncoderViTImpl(const ImageEncoderViTOptions& options = {});

  /// images: [B, in_chans, img_size, img_size] -> [B, out_chans, grid, grid].
  torch::Tensor forward(const torch::Tensor& images) override;

  int64_t embeddingDim() const override { return options_.out_chans(); }
  int64_t imageSize() const override { return options_.img_size(); }
  std::array<int64_t, 2> patchGrid() const override {
    return {options_.gridSize(), options_.gridSize()};
  }
  const ImageEncoderViTOptions& options() const { return options_; }
  /// Block i as its concrete type.
  ViTBlock block(int64_t i) const;

  torch::Tensor pos_embed;  ///< [1, grid, grid, E] (undefined without use_abs_pos)
  PatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::Sequential neck;

 private:
  ImageEncoderViTOptions options_;
};
TORCH_MODULE(ImageEncoderViT);

/// Splits [B, H, W, C] into [B * nWindows, ws, ws, C] windows (row-major window order), after
/// zero-padding H and W at the bottom/right to multiples of ws. Returns (windows, (Hp, Wp)).
std::pair<torch::Tensor, std::array<int64_t, 2>> windowPartition(const torch::Tensor& x,
                                                                 int64_t window_size);

/// Inverse of windowPartition: [B * nWindows, ws, ws, C] -> [B, H, W, C], padding cropped.
torch::Tensor windowUnpartition(const torch::Tensor& windows, int64_t window_size,
                                std::array<int64_t, 2> padded_hw, std::array<int64_t, 2> hw);

/// Relative position embeddings [q_size, k_size, C] gathered from a [L, C] table, resizing the
/// table linearly (align_corners = false) to 2*max(q, k)-1 rows first when L differs.
torch::Tensor getRelPos(int64_t q_size, int64_t k_size, const torch::Tensor& rel_pos);

/// attn [B, qh*qw, kh*kw] + decomposed bias from q [B, qh*qw, C] (MViTv2).
torch::Tensor addDecomposedRelPos(const torch::Tensor& attn, const torch::Tensor& q,
                                  const torch::Tensor& rel_pos_h, const torch::Tensor& rel_pos_w,
                                  std::array<int64_t, 2> q_size, std::array<int64_t, 2> k_size);

}  // namespace sfr::engine
